/* cli_progress.c - the progress line of `run` and `compare`: on a terminal,
 * once a run has taken more than a second, one line on stderr rewritten in
 * place with the share done and an ETA; nothing in a pipe or a file (CI,
 * scripts, `--json -`), as sweeps do (docs/cli.md "Progress"). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_progress_start(cli_progress *p, FILE *out, size_t runs)
{
    p->out = out;
    p->enabled = out && isatty(fileno(out));
    p->shown = false;
    p->t0 = now_s();
    p->last = 0;
    p->runs = runs ? runs : 1;
    p->run = 0;
    p->what[0] = '\0';
}

void cli_progress_next(cli_progress *p, size_t run, const char *what)
{
    p->run = run;
    snprintf(p->what, sizeof p->what, "%s", what);
}

static void op_done(void *ctx, size_t ops_done, size_t ops_total, uint64_t macs_done,
                    uint64_t macs_total)
{
    cli_progress *p = ctx;
    if (!p->enabled)
        return;
    const double t = now_s(), el = t - p->t0;
    /* after the first second, at most five redraws a second */
    if (el < CLI_PROGRESS_AFTER_S || (p->shown && t - p->last < 0.2 && ops_done < ops_total))
        return;
    const double in_run = macs_total ? (double)macs_done / (double)macs_total
                                     : (ops_total ? (double)ops_done / (double)ops_total : 1);
    const double share = ((double)p->run + in_run) / (double)p->runs;
    const double eta = share > 0 ? el * (1 - share) / share : 0;
    fprintf(p->out, "\r\033[K%s: op %zu/%zu, %.0f%% done, %.0f s elapsed, ETA %d:%02d",
            p->what, ops_done, ops_total, 100 * share, el, (int)eta / 60, (int)eta % 60);
    fflush(p->out);
    p->shown = true;
    p->last = t;
}

ab_sim_progress cli_progress_hook(cli_progress *p)
{
    const ab_sim_progress h = {op_done, p};
    return h;
}

void cli_progress_end(cli_progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    p->shown = false;
}
