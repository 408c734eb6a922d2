/* accuracy_checkpoint.c - an op's weights from a float checkpoint
 * (`--accuracy-weights FILE.safetensors`, docs/quantization.md "Real
 * weights"): the tensor HuggingFace names after the op's module, checked
 * against the op's shape, and the sampled rows of it. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accuracy/accuracy.h"
#include "tensor_io.h"

/* The op's tensor under one of the names a checkpoint gives it. */
static const ab_st_entry *find_weight(const ab_safetensors *ck, const char *op, char *name,
                                      size_t cap)
{
    static const char *const forms[] = {"%s.weight", "model.%s.weight", "%s", "model.%s"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(name, cap, forms[i], op);
        const ab_st_entry *e = ab_safetensors_find(ck, name);
        if (e)
            return e;
    }
    return NULL;
}

int ab_accuracy_checkpoint_rows(const ab_safetensors *ck, const ab_op *op, uint32_t rows,
                                float **w, ab_error *err)
{
    *w = NULL;
    /* attention's weight-side operand is the KV cache: no tensor holds it */
    if (op->kind != AB_OP_GEMM && op->kind != AB_OP_CONV)
        return 0;
    char name[AB_OP_NAME_MAX + 16];
    const ab_st_entry *e = find_weight(ck, op->name, name, sizeof name);
    if (!e)
        return 0;
    uint64_t inner = 1;
    for (size_t d = 1; d < e->ndim; d++)
        inner *= e->shape[d];
    /* a grouped convolution's op is one group: N = out / groups */
    const uint64_t n_all = (uint64_t)op->N * (op->kind == AB_OP_CONV ? op->count : 1);
    if (e->ndim < 2 || e->shape[0] != n_all || inner != op->K) {
        char shape[96] = "";
        for (size_t d = 0; d < e->ndim; d++)
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%zu", d ? " x " : "",
                     e->shape[d]);
        return ab_error_set(err, "%s: tensor %s: shape [%s] does not fit op '%s' (N %llu x K "
                            "%llu): a checkpoint of another model?",
                            ck->what, name, shape, op->name, (unsigned long long)n_all,
                            (unsigned long long)op->K);
    }
    if (e->dtype != AB_DTYPE_F32 && e->dtype != AB_DTYPE_F16 && e->dtype != AB_DTYPE_BF16 &&
        e->dtype != AB_DTYPE_F64)
        return ab_error_set(err, "%s: tensor %s: dtype %s: expected float weights (F32, F16, BF16 "
                            "or F64)", ck->what, name, ab_dtype_name(e->dtype));
    const uint32_t n = rows < op->N ? rows : (uint32_t)op->N;
    float *out = malloc((size_t)n * (size_t)op->K * sizeof *out);
    if (!out)
        return ab_error_set(err, "%s: tensor %s: out of memory", ck->what, name);
    /* only the sampled rows are converted (a whole lm_head would be half a
     * gigabyte of float32), spread evenly over the first group's N (every
     * group of a grouped convolution has the op's shape); the reader has
     * checked the tensor's bytes lie inside the file */
    const size_t es = ab_dtype_size(e->dtype);
    for (uint32_t r = 0; r < n; r++) {
        const uint64_t src = (uint64_t)r * op->N / n;
        const uint8_t *row = ck->data + e->begin + (size_t)src * (size_t)op->K * es;
        float *dst = out + (size_t)r * op->K;
        for (uint64_t k = 0; k < op->K; k++) {
            const uint8_t *b = row + k * es;
            switch (e->dtype) {
            case AB_DTYPE_F16: dst[k] = ab_half_to_float((uint16_t)(b[0] | b[1] << 8)); break;
            case AB_DTYPE_BF16: dst[k] = ab_bf16_to_float((uint16_t)(b[0] | b[1] << 8)); break;
            case AB_DTYPE_F64: {
                uint64_t u = 0;
                for (int i = 7; i >= 0; i--)
                    u = u << 8 | b[i];
                double d;
                memcpy(&d, &u, sizeof d);
                /* out of float's range: not converted (that would be UB) */
                dst[k] = fabs(d) <= FLT_MAX ? (float)d : NAN;
                break;
            }
            default: {
                const uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                                   (uint32_t)b[3] << 24;
                memcpy(&dst[k], &u, sizeof dst[k]);
                break;
            }
            }
            if (!isfinite(dst[k])) {
                free(out);
                return ab_error_set(err, "%s: tensor %s: row %llu, column %llu: not a finite "
                                    "number", ck->what, name, (unsigned long long)src,
                                    (unsigned long long)k);
            }
        }
    }
    *w = out;
    return 1;
}
