/* cli_values.c - the value check of `anybit run --trace`: every op that
 * carries values goes through sim/values/pe_values.h on the accelerator's PE. */
#include <stdio.h>

#include "cli.h"
#include "values/pe_values.h"
#include "results/report.h"

int cli_check_values(const ab_accel *a, const ab_trace *t, ab_op_check *checks, ab_error *err)
{
    for (size_t i = 0; i < t->nops; i++) {
        ab_values_report r;
        if (ab_values_check(a, t, i, &r, err) != 0)
            return -1;
        ab_op_check *c = &checks[i];
        c->checked = r.checked;
        if (!r.checked)
            continue;
        c->outputs = r.outputs;
        c->mismatches = r.mismatches;
        c->max_abs_err = r.max_abs_err;
        c->mse = r.mse;
        c->sqnr_db = r.sqnr_db;
        if (r.mismatches)
            fprintf(stderr, "anybit run: values of op %s differ from the kernels/ model in %zu of "
                            "%zu outputs; first: %s\n",
                    t->ops[i].op.name, r.mismatches, r.outputs, r.first_mismatch);
        if (r.overflows)
            fprintf(stderr, "anybit run: note: op %s: an integer register wrapped in %zu outputs "
                            "(as the hardware would)\n",
                    t->ops[i].op.name, r.overflows);
    }
    return 0;
}
