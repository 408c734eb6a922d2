/* tensor_io.h - reading tensors from .npy and .safetensors files.
 *
 * Both readers validate everything before trusting it (header lengths,
 * shapes, dtypes, offsets) and never read outside the file's bytes: they
 * are fuzzed (tests/fuzz/).  A failure fills err with one line naming the
 * file, the field or byte offset, what was expected and what was found.
 *
 * Tensors are returned as float32 (float16/bfloat16/float64 and integer
 * dtypes are converted exactly where float32 can hold the value).
 */
#ifndef AB_TENSOR_IO_H
#define AB_TENSOR_IO_H

#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_TENSOR_MAX_DIMS 8

typedef struct ab_tensor {
    size_t ndim;
    size_t shape[AB_TENSOR_MAX_DIMS];
    size_t count; /* product of shape (1 for a 0-d tensor) */
    float *data;  /* count values, row-major; owned */
} ab_tensor;

void ab_tensor_free(ab_tensor *t);

/* Parse a .npy image held in memory (v1.0/2.0/3.0 headers; dtypes '<f2'
 * '<f4' '<f8', '|i1'/'<i1' '<i2' '<i4' '<i8', '|u1'/'<u1' '<u2' '<u4'
 * '<u8', '|b1'; C order, or fortran_order True for 0-d/1-d arrays where the
 * layout is the same).  The data must be exactly shape x dtype bytes.
 * `what` names the source in messages (a path). */
int ab_npy_parse(const uint8_t *buf, size_t len, const char *what,
                 ab_tensor *out, ab_error *err);

/* Read a whole file into memory; *buf is malloc'ed. */
/* Only a regular file is read (after symlinks): a device, FIFO or directory
 * is refused, naming the path, before any byte is read, and the read never
 * goes past the size the file had when it was opened. */
int ab_read_file(const char *path, uint8_t **buf, size_t *len, ab_error *err);

/* Load a .npy file. */
int ab_npy_load(const char *path, ab_tensor *out, ab_error *err);

/* --- safetensors ---------------------------------------------------------
 * Layout: 8-byte little-endian header length n, n bytes of JSON header,
 * then the data buffer.  The header maps tensor names to
 * {"dtype": .., "shape": [..], "data_offsets": [begin, end]} (relative to
 * the data buffer) plus an optional "__metadata__" object of strings.
 * Validation: n within the file, valid JSON object, known dtypes, shape
 * product * dtype size == end - begin, offsets within the buffer, no two
 * tensors overlapping (gaps are allowed), no unknown fields in an entry,
 * no duplicate names, __metadata__ an object of strings.  BOOL bytes other
 * than 0/1 are rejected by ab_safetensors_to_tensor. */

typedef enum ab_dtype {
    AB_DTYPE_F32, AB_DTYPE_F16, AB_DTYPE_BF16, AB_DTYPE_F64,
    AB_DTYPE_I8, AB_DTYPE_U8, AB_DTYPE_I16, AB_DTYPE_U16,
    AB_DTYPE_I32, AB_DTYPE_U32, AB_DTYPE_I64, AB_DTYPE_U64,
    AB_DTYPE_BOOL,
} ab_dtype;

/* Canonical safetensors dtype string ("F32", ...) and element size. */
const char *ab_dtype_name(ab_dtype d);
size_t ab_dtype_size(ab_dtype d);

typedef struct ab_st_entry {
    char *name;
    ab_dtype dtype;
    size_t ndim;
    size_t shape[AB_TENSOR_MAX_DIMS];
    size_t begin, end; /* byte offsets into the data buffer */
} ab_st_entry;

typedef struct ab_safetensors {
    uint8_t *file;   /* whole file, owned */
    size_t file_len;
    const uint8_t *data; /* start of the data buffer inside file */
    size_t data_len;
    size_t ntensors;
    ab_st_entry *tensors; /* sorted by begin offset */
    char *metadata_json;  /* "__metadata__" object re-serialized, or NULL */
    char *what;           /* the name messages use (the path), owned */
} ab_safetensors;

/* Parse a safetensors image.  On success *st owns buf (it is freed by
 * ab_safetensors_free); on failure buf is still the caller's. */
int ab_safetensors_parse(uint8_t *buf, size_t len, const char *what,
                         ab_safetensors *st, ab_error *err);
int ab_safetensors_open(const char *path, ab_safetensors *st, ab_error *err);
void ab_safetensors_free(ab_safetensors *st);

/* Look a tensor up by name; NULL when absent. */
const ab_st_entry *ab_safetensors_find(const ab_safetensors *st,
                                       const char *name);

/* The value of metadata key `key` (a string) or NULL. Returned pointer is
 * malloc'ed; the caller frees it. */
char *ab_safetensors_metadata(const ab_safetensors *st, const char *key);

/* Convert one tensor to float32 (exactly where float32 can hold it). */
int ab_safetensors_to_tensor(const ab_safetensors *st, const ab_st_entry *e,
                             ab_tensor *out, ab_error *err);

/* Load "FILE.safetensors:TENSOR" or "FILE.npy" into a float tensor.  A
 * safetensors path without ":TENSOR" is accepted when the file holds one
 * tensor. */
int ab_tensor_load(const char *spec, ab_tensor *out, ab_error *err);

/* --- writing (atomic: a temporary file renamed into place) -------------- */

typedef struct ab_st_write_entry {
    const char *name;
    ab_dtype dtype;
    size_t ndim;
    const size_t *shape;
    const void *data; /* little-endian bytes, shape product * dtype size */
} ab_st_write_entry;

/* Write a safetensors file; metadata is a list of nmeta key/value string
 * pairs (may be 0).  Nothing is left at path on failure. */
int ab_safetensors_write(const char *path, const ab_st_write_entry *tensors,
                         size_t ntensors, const char *const *meta_keys,
                         const char *const *meta_values, size_t nmeta,
                         ab_error *err);

/* Write a float32 .npy file atomically. */
int ab_npy_write_f32(const char *path, const float *data, size_t ndim,
                     const size_t *shape, ab_error *err);

/* IEEE binary16 / bfloat16 -> float32 by bit manipulation (exact; the
 * readers' fast path).  Checked for all 65536 codes against the generic
 * format registry's fp16 / bf16 decode in tests/test_tensor_io.cpp. */
float ab_half_to_float(uint16_t h);
float ab_bf16_to_float(uint16_t b);

#ifdef __cplusplus
}
#endif

#endif
