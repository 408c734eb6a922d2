/* format_impl.h - what format.c needs from each family's file.
 *
 * Internal to kernels/: every family (format_int.c, format_float.c,
 * format_grid.c) provides setup, encode, decode and canonical-code rules;
 * format.c parses names and dispatches on fmt->family.
 */
#ifndef AB_FORMAT_IMPL_H
#define AB_FORMAT_IMPL_H

#include "format.h"

/* Round half to even, without depending on the floating-point environment. */
double ab_round_half_even(double y);

/* --- integers (format_int.c) --- */
void ab_int_setup(ab_format *f, uint8_t bits, bool is_signed, bool symmetric,
                  int32_t zero_point, double unit);
uint32_t ab_int_encode(const ab_format *f, double x);
double ab_int_decode(const ab_format *f, uint32_t code);
uint32_t ab_int_canonical(const ab_format *f, uint32_t code);
int64_t ab_int_code_min(const ab_format *f); /* as a signed integer */
int64_t ab_int_code_max(const ab_format *f);

/* --- minifloats (format_float.c) --- */
void ab_float_setup(ab_format *f, uint8_t exp_bits, uint8_t man_bits,
                    ab_float_conv conv);
uint32_t ab_float_encode(const ab_format *f, double x);
double ab_float_decode(const ab_format *f, uint32_t code);
uint32_t ab_float_canonical(const ab_format *f, uint32_t code);
double ab_float_max(const ab_format *f);
bool ab_float_is_nan_code(const ab_format *f, uint32_t code);

/* --- value tables (format_grid.c) --- */
/* values[c] for c < 2^bits (NaN allowed for at most one NaN code); builds
 * the sorted table encode() searches. */
void ab_grid_setup(ab_format *f, uint8_t bits, const double *values);
/* sign-magnitude table: magnitudes[m] for the 2^(bits-1) magnitude codes,
 * sign in the top bit; the -0 code takes `special` unless it is NaN (then
 * it duplicates 0). */
void ab_grid_setup_signmag(ab_format *f, uint8_t bits, const double *magnitudes,
                           double special);
uint32_t ab_grid_encode(const ab_format *f, double x);
double ab_grid_decode(const ab_format *f, uint32_t code);
uint32_t ab_grid_canonical(const ab_format *f, uint32_t code);

#endif
