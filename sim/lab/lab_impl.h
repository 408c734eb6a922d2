/* lab_impl.h - private to sim/lab/: the labs the table lists, and the
 * helpers the lab files share. */
#ifndef AB_LAB_IMPL_H
#define AB_LAB_IMPL_H

#include <stdarg.h>

#include "lab/lab.h"

extern const ab_lab ab_lab1_formats;  /* lab1_formats.c */
extern const ab_lab ab_lab2_pe;       /* lab2_pe.c */
extern const ab_lab ab_lab3_btc;      /* lab3_btc.c */
extern const ab_lab ab_lab4_roofline; /* lab4_roofline.c */
extern const ab_lab ab_lab5_dse;      /* lab5_dse.c */
extern const ab_lab ab_lab6_fpga;     /* lab6_fpga.c */

/* Append "key: value" (printf-formatted value) to a parameter list. */
void ab_lab_param_add(ab_lab_params *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A question's one-line reason (printf-formatted, cut to fit). */
void ab_lab_reason(ab_lab_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
