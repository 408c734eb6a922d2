/* parallel.h - run a batch of independent jobs on threads, one each.
 *
 * The jobs are n records of job_size bytes at `jobs`; run(&record k) does
 * job k.  Job 0 runs on the calling thread, jobs 1 .. n-1 on threads of
 * their own; a job whose thread cannot be started runs on the caller once
 * the others are under way.  Returns when every job has run.  Each job
 * writes only its own record and its own slice of the output, so what a
 * batch computes does not depend on n or on the order the threads run in:
 * the callers cut the work so (docs/design.md "Threads").
 */
#ifndef AB_PARALLEL_H
#define AB_PARALLEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most jobs one batch takes (the callers' -j bound). */
#define AB_PARALLEL_MAX 256

void ab_parallel_run(void *jobs, size_t job_size, unsigned n, void *(*run)(void *job));

/* How many jobs a task of n independent items (rows, ops) is cut into
 * for a request of `jobs`: at least 1, at most n and AB_PARALLEL_MAX. */
unsigned ab_parallel_jobs(unsigned jobs, size_t n);

#ifdef __cplusplus
}
#endif

#endif
