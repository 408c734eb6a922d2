/* golden_impl.h - private to golden/: the golden model's own description
 * of a number format, the operands of one op as the golden model reads
 * them from a trace, and the per-kind computations over them.
 *
 * Nothing here comes from kernels/format.h: a format is what
 * docs/formats.md says its name means, decoded by golden_format.c.
 */
#ifndef AB_GOLDEN_IMPL_H
#define AB_GOLDEN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "accel/accel.h"
#include "golden.h"
#include "workload/trace.h"

#define AB_GFMT_NAME_MAX 48
#define AB_GFMT_MAX_CANDIDATES 4

typedef enum ab_gfmt_kind {
    AB_GFMT_INT,       /* two's complement intN; intNs / ternary: most negative code reserved */
    AB_GFMT_UINT,      /* unsigned uintN */
    AB_GFMT_FLOAT,     /* eXmY minifloats, fp16, bf16 */
    AB_GFMT_BITMOD_FP, /* BitMoD FP3 / FP4 and their ER / EA variants (sign-magnitude) */
    AB_GFMT_FLINT,     /* ANT flint (sign-magnitude) */
    AB_GFMT_POT,       /* ANT power of two (sign-magnitude) */
    AB_GFMT_BIN,       /* one bit: code 1 = +1, code 0 = -1 */
} ab_gfmt_kind;

typedef enum ab_gfloat_conv {
    AB_GFLOAT_IEEE,   /* top exponent: inf (mantissa 0) and NaN */
    AB_GFLOAT_FN,     /* no inf; only S.1..1.1..1 is NaN */
    AB_GFLOAT_FINITE, /* every code a number */
} ab_gfloat_conv;

typedef struct ab_gfmt {
    char name[AB_GFMT_NAME_MAX];
    ab_gfmt_kind kind;
    unsigned bits;
    bool symmetric;            /* INT: the code -2^(bits-1) is reserved (NaN) */
    unsigned exp_bits, man_bits; /* FLOAT */
    ab_gfloat_conv conv;       /* FLOAT */
    double special;            /* BITMOD_FP: the value of the -0 code (0 for plain FP3/FP4) */
} ab_gfmt;

/* Parse one format name (not a selector); -1 when the golden model does
 * not know it. */
int ab_gfmt_parse(const char *name, ab_gfmt *f);

/* The formats a weight-format name (format or selector) quantizes into,
 * in type-id order; -1 for an unknown name. */
int ab_gfmt_candidates(const char *name, ab_gfmt cand[AB_GFMT_MAX_CANDIDATES],
                       unsigned *ncand);

/* The code as a two's complement (INT) or unsigned integer, reserved code
 * included: the bits as a bit-plane reads them. */
int64_t ab_gfmt_raw_int(const ab_gfmt *f, uint32_t code);

/* The exact value of a code (NaN for NaN and reserved codes). */
double ab_gfmt_value(const ab_gfmt *f, uint32_t code);

/* IEEE binary16 bits to the binary32 value they stand for (exact). */
float ab_golden_half(uint16_t h);

/* Per-token activation quantization (golden_act.c); f must be an INT of
 * 2..16 bits, a UINT of 1..16 bits or BIN (ab_golden_act_format_ok). */
bool ab_golden_act_format_ok(const ab_gfmt *f);
void ab_golden_act_rows(const ab_gfmt *f, const float *act, size_t rows, size_t cols,
                        int32_t *values, float *scales);

/* The BitMoD terms of one code of a supported format; -1 otherwise. */
bool ab_golden_bitmod_format_ok(const ab_gfmt *f);
unsigned ab_golden_bitmod_cycles(const ab_gfmt *f);
int ab_golden_terms_of(const ab_gfmt *f, uint32_t code, ab_golden_term t[AB_GOLDEN_MAX_TERMS]);

/* The operands of one op, decoded from the trace by golden_op.c. */
typedef enum ab_gscale_kind { AB_GSCALE_FP32, AB_GSCALE_FP16, AB_GSCALE_E8M0, AB_GSCALE_INTK } ab_gscale_kind;

typedef struct ab_gop {
    const ab_accel *a;
    const char *name;
    size_t M, N, K, G, glen;
    unsigned ncand;
    ab_gfmt cand[AB_GFMT_MAX_CANDIDATES];
    uint32_t *codes;     /* [N][K] */
    uint8_t *type_ids;   /* [N][G] */
    ab_gscale_kind scale_kind;
    unsigned scale_width; /* intK: K */
    float *gscale;       /* [N][G]: the group scale as the PE multiplies by it */
    uint32_t *gscale_int;/* [N][G]: intK integers, else NULL */
    float *row_scale;    /* [N]: intK's FP16 row scale, else 1 */
    int32_t *zp;         /* [N][G]: zero points of asymmetric uintN, else NULL */
    ab_gfmt afmt;
    uint16_t *act_h;     /* [M][K] FP16 bits (fp16 activations) */
    float *act_f;        /* [M][K] floats (integer activations, quantized by the PE) */
} ab_gop;

int ab_golden_bitmod(const ab_gop *v, float *out, ab_error *err);
int ab_golden_int(const ab_gop *v, float *out, ab_error *err);  /* btc, int8 */
int ab_golden_fpmac(const ab_gop *v, float *out, ab_error *err); /* fp16, ant, olive */

#endif
