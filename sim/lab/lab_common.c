/* lab_common.c - helpers the lab files share (lab_impl.h). */
#include <stdio.h>
#include <string.h>

#include "lab/lab_impl.h"

void ab_lab_param_add(ab_lab_params *p, const char *key, const char *fmt, ...)
{
    if (p->n >= AB_LAB_MAX_PARAMS)
        return; /* the lab files stay well below the limit (Lab.* tests list every key) */
    ab_lab_param *e = &p->p[p->n++];
    snprintf(e->key, sizeof e->key, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->value, sizeof e->value, fmt, ap);
    va_end(ap);
}

void ab_lab_reason(ab_lab_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
}
