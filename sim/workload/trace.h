/* trace.h - quantized-layer traces on disk (docs/trace-format.md): a
 * safetensors file whose __metadata__.anybit JSON lists the ops, plus, for
 * "full" traces, per-op tensors (packed weight codes, scales, type ids,
 * activations, expected outputs).
 *
 * The reader validates everything before a caller sees it: the JSON header
 * field by field, every format name, and every tensor an op names against
 * the op's shape and formats, so the simulator and `trace verify` can index
 * the tensors without further checks.  One message names the file and field.
 */
#ifndef AB_TRACE_H
#define AB_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "quant.h"
#include "tensor_io.h"
#include "workload.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_TRACE_FORMAT "anybit-trace"
#define AB_TRACE_VERSION_MAJOR 1
#define AB_TRACE_VERSION_MINOR 1
#define AB_TRACE_VERSION "1.1"

/* Tensor roles of one op; the JSON key of each is ab_trace_role_name(). */
typedef enum ab_trace_role {
    AB_TROLE_WEIGHT_CODES = 0,
    AB_TROLE_SCALES,
    AB_TROLE_ROW_SCALES,
    AB_TROLE_TYPE_IDS,
    AB_TROLE_ZERO_POINTS,
    AB_TROLE_ACTIVATIONS,
    AB_TROLE_OUTPUTS,
    AB_TROLE_COUNT
} ab_trace_role;

const char *ab_trace_role_name(ab_trace_role r);

/* One tensor of the file.  data points into the file image (reader) or at
 * `owned` (a trace built in memory); either way ab_trace_free releases it. */
typedef struct ab_trace_tensor {
    char *name;
    ab_dtype dtype;
    size_t ndim;
    size_t shape[AB_TENSOR_MAX_DIMS];
    size_t nbytes;
    const uint8_t *data;
    uint8_t *owned;
} ab_trace_tensor;

typedef struct ab_trace_op {
    ab_op op;
    bool asymmetric;     /* uintN with per-group zero points */
    double outlier_unit; /* OliVe, 0 when absent */
    int32_t tensor[AB_TROLE_COUNT]; /* index into ab_trace.tensors, -1: none */
} ab_trace_op;

typedef struct ab_trace {
    unsigned version_major, version_minor; /* read: the file's; built: this reader's */
    char *model, *phase, *recipe; /* owned strings */
    uint32_t batch;
    char *values_json; /* the "values" object as JSON text, NULL for null */
    size_t nops, cap_ops;
    ab_trace_op *ops;
    size_t ntensors, cap_tensors;
    ab_trace_tensor *tensors;
    ab_safetensors st; /* the file image the reader's tensors point into */
    bool has_st;
} ab_trace;

/* An empty trace (header strings copied). */
int ab_trace_init(ab_trace *t, const char *model, const char *phase, const char *recipe,
                  uint32_t batch, ab_error *err);
void ab_trace_free(ab_trace *t);

/* Append an op without tensors. */
int ab_trace_add_op(ab_trace *t, const ab_op *op, ab_error *err);

/* The quantization spec of an op's weights: its weight format, per group
 * (group_size) or per channel, its scale format; asymmetric for uintN with
 * zero points.  -1 with err for a bad scale format. */
int ab_op_quant_spec(const ab_op *op, bool asymmetric, ab_quant_spec *spec, ab_error *err);

/* Give op i values: quantized weights (q), activations act[M][K] (float;
 * NULL: none) and, with activations, expected outputs computed by the
 * reference GEMM from what a reader reconstructs.  Activations are stored
 * as ab_trace_act_storage says: in the act_format itself for fp16, bf16 and
 * fp32, as F32 floats for the integer formats the PE quantizes itself
 * (format 1.1); other act_formats cannot carry activations.  The op must
 * be gemm or conv and q must match its N, K, weight and scale formats. */
int ab_trace_set_values(ab_trace *t, size_t i, const ab_quant_result *q, bool asymmetric,
                        const float *act, ab_error *err);

/* How activations of an op with this act_format are stored in format 1.x:
 * 0 with *dtype the dtype anybit writes (F16 / BF16 / F32 for fp16 / bf16 /
 * fp32) and *pe_quantized false, or, for the integer formats of
 * kernels/act_quant.h (intN, uintN, bin; trace format 1.1), *dtype F32
 * (readers also accept F16) and *pe_quantized true: the PE quantizes the
 * stored floats per token.  -1: the format cannot carry activations. */
int ab_trace_act_storage(const char *act_format, ab_dtype *dtype, bool *pe_quantized);

/* Read and validate a trace file / image.  parse takes ownership of buf on
 * success only (like ab_safetensors_parse). */
int ab_trace_read(const char *path, ab_trace *t, ab_error *err);
int ab_trace_parse(uint8_t *buf, size_t len, const char *what, ab_trace *t, ab_error *err);

/* Write atomically (temporary file + rename): nothing at path on failure.
 * The version written is the lowest that holds the content: 1.1 when an op
 * carries activations of an integer act_format, else 1.0 (whatever
 * t->version_* say: they record what a reader found). */
int ab_trace_write(const char *path, const ab_trace *t, ab_error *err);

/* Op i's entry of the trace header as ab_trace_write writes it (name, kind,
 * shape, formats, group size, the tensors it names); the caller owns it,
 * NULL when out of memory. */
struct cJSON *ab_trace_op_json(const ab_trace *t, size_t i);

/* True when op i carries weight values. */
bool ab_trace_op_has_values(const ab_trace *t, size_t i);

/* The single reconstruction of weights from stored tensors (codes, scales,
 * row scales, type ids, zero points): w[N][K] float, exactly the values the
 * quantizer's dequant holds.  Used by the writer for expected outputs and by
 * verify. */
int ab_trace_dequant_weights(const ab_trace *t, size_t i, float *w, ab_error *err);
/* The same for weight rows n0 .. n1-1 only: w[n1 - n0][K]. */
int ab_trace_dequant_weight_rows(const ab_trace *t, size_t i, size_t n0, size_t n1, float *w,
                                 ab_error *err);

/* The reference GEMM (kernels/gemm.h) of op i's dequantized weights and
 * its activations: y[M][N], on `jobs` threads over slices of the weight
 * rows (every output is its own row's dot product, so y is the same for
 * every count). */
int ab_trace_reference_outputs(const ab_trace *t, size_t i, unsigned jobs, float *y,
                               ab_error *err);

/* Activations of op i decoded to float act[M][K]. */
int ab_trace_activations(const ab_trace *t, size_t i, float *act, ab_error *err);

/* The check of op i's stored expected outputs: the reference GEMM
 * (kernels/gemm.h) on ab_trace_dequant_weights and ab_trace_activations,
 * compared bit for bit with what the file stores.  The one check both
 * `anybit trace verify` and `anybit run --trace` make (docs/values.md). */
typedef struct ab_trace_outputs_check {
    size_t outputs;      /* M x N */
    size_t mismatches;   /* outputs whose stored bits differ from the reference */
    double max_abs_diff; /* over the mismatches; +inf when one side is NaN */
    size_t first;        /* index m x N + n of the first mismatch */
    float first_stored, first_reference;
} ab_trace_outputs_check;

/* -1 with err when op i stores no outputs or memory runs out.  _jobs: the
 * reference on that many threads (the same check). */
int ab_trace_check_outputs(const ab_trace *t, size_t i, ab_trace_outputs_check *c,
                           ab_error *err);
int ab_trace_check_outputs_jobs(const ab_trace *t, size_t i, unsigned jobs,
                                ab_trace_outputs_check *c, ab_error *err);

/* Bytes of op i's activation operand at its act_format width (M*K*count,
 * the shape info reports). */
double ab_trace_act_bytes(const ab_op *op);

#ifdef __cplusplus
}
#endif

#endif
