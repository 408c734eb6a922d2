/* parallel.c - a batch of jobs on threads (parallel.h). */
#include "parallel.h"

#include <pthread.h>
#include <stdbool.h>

void ab_parallel_run(void *jobs, size_t job_size, unsigned n, void *(*run)(void *job))
{
    if (n == 0)
        return;
    if (n > AB_PARALLEL_MAX)
        n = AB_PARALLEL_MAX;
    char *base = jobs;
    pthread_t th[AB_PARALLEL_MAX];
    bool started[AB_PARALLEL_MAX];
    for (unsigned k = 1; k < n; k++)
        started[k] = pthread_create(&th[k], NULL, run, base + k * job_size) == 0;
    run(base);
    for (unsigned k = 1; k < n; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        else
            run(base + k * job_size); /* no thread to be had: here */
    }
}

unsigned ab_parallel_jobs(unsigned jobs, size_t n)
{
    if (jobs > n)
        jobs = n ? (unsigned)n : 1u;
    if (jobs > AB_PARALLEL_MAX)
        jobs = AB_PARALLEL_MAX;
    return jobs < 1 ? 1u : jobs;
}
