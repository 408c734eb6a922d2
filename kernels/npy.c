/* npy.c - NumPy .npy files: parse an in-memory image (format versions 1.0,
 * 2.0 and 3.0, little-endian numeric dtypes, C order) into a float32
 * tensor, and write float32 arrays atomically.
 *
 * The header is a Python dict literal; only the subset NumPy writes is
 * accepted (three keys, quoted strings, True/False, a tuple of integers),
 * so nothing is ever evaluated and every byte is bounds-checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "tensor_io_impl.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6

typedef struct npy_dtype {
    const char *descr;
    ab_dtype dtype;
} npy_dtype;

/* '|' (not applicable) and '<' are both written for one-byte types. */
static const npy_dtype npy_dtypes[] = {
    {"<f4", AB_DTYPE_F32}, {"<f2", AB_DTYPE_F16}, {"<f8", AB_DTYPE_F64},
    {"|i1", AB_DTYPE_I8},  {"<i1", AB_DTYPE_I8},  {"<i2", AB_DTYPE_I16},
    {"<i4", AB_DTYPE_I32}, {"<i8", AB_DTYPE_I64}, {"|u1", AB_DTYPE_U8},
    {"<u1", AB_DTYPE_U8},  {"<u2", AB_DTYPE_U16}, {"<u4", AB_DTYPE_U32},
    {"<u8", AB_DTYPE_U64}, {"|b1", AB_DTYPE_BOOL},
};

/* A read position inside the header dict; offsets in messages are file
 * offsets so they can be found with a hex dump. */
typedef struct cursor {
    const uint8_t *buf;
    size_t pos, end;
    const char *what;
    ab_error *err;
} cursor;

static void describe_byte(const cursor *c, char *out, size_t cap)
{
    if (c->pos >= c->end)
        snprintf(out, cap, "the end of the header");
    else if (c->buf[c->pos] >= 0x20 && c->buf[c->pos] < 0x7f)
        snprintf(out, cap, "'%c'", c->buf[c->pos]);
    else
        snprintf(out, cap, "byte 0x%02x", c->buf[c->pos]);
}

static int syntax_error(const cursor *c, const char *expected)
{
    char found[32];
    describe_byte(c, found, sizeof found);
    return ab_error_set(c->err, "%s: byte %zu: expected %s, found %s", c->what, c->pos,
                        expected, found);
}

static void skip_ws(cursor *c)
{
    while (c->pos < c->end &&
           (c->buf[c->pos] == ' ' || c->buf[c->pos] == '\t' || c->buf[c->pos] == '\n' ||
            c->buf[c->pos] == '\r'))
        c->pos++;
}

static int peek(const cursor *c)
{
    return c->pos < c->end ? c->buf[c->pos] : -1;
}

static int expect(cursor *c, char ch, const char *expected)
{
    skip_ws(c);
    if (peek(c) != (unsigned char)ch)
        return syntax_error(c, expected);
    c->pos++;
    return 0;
}

/* A quoted string without escapes (NumPy never writes any in the keys or
 * dtype strings accepted here). */
static int parse_string(cursor *c, char *out, size_t cap, const char *expected)
{
    skip_ws(c);
    const int q = peek(c);
    if (q != '\'' && q != '"')
        return syntax_error(c, expected);
    const size_t start = c->pos;
    c->pos++;
    size_t n = 0;
    while (c->pos < c->end && c->buf[c->pos] != q) {
        if (c->buf[c->pos] == '\\' || c->buf[c->pos] < 0x20)
            return syntax_error(c, "a string without escapes or control characters");
        if (n + 1 < cap)
            out[n++] = (char)c->buf[c->pos];
        else
            return ab_error_set(c->err, "%s: byte %zu: string longer than %zu bytes",
                                c->what, start, cap - 1);
        c->pos++;
    }
    if (c->pos >= c->end)
        return ab_error_set(c->err, "%s: byte %zu: unterminated string", c->what, start);
    c->pos++;
    out[n] = '\0';
    return 0;
}

static int match_word(cursor *c, const char *word)
{
    const size_t n = strlen(word);
    if (c->end - c->pos < n || memcmp(c->buf + c->pos, word, n) != 0)
        return 0;
    c->pos += n;
    return 1;
}

static int parse_bool(cursor *c, int *out)
{
    skip_ws(c);
    if (match_word(c, "True"))
        *out = 1;
    else if (match_word(c, "False"))
        *out = 0;
    else
        return syntax_error(c, "True or False for 'fortran_order'");
    return 0;
}

static int parse_dim(cursor *c, size_t index, size_t *out)
{
    skip_ws(c);
    const size_t start = c->pos;
    size_t v = 0;
    while (c->pos < c->end && c->buf[c->pos] >= '0' && c->buf[c->pos] <= '9') {
        const size_t digit = (size_t)(c->buf[c->pos] - '0');
        if (v > (SIZE_MAX - digit) / 10)
            return ab_error_set(c->err, "%s: byte %zu: shape[%zu] does not fit in %zu bits",
                                c->what, start, index, sizeof(size_t) * 8);
        v = v * 10 + digit;
        c->pos++;
    }
    if (c->pos == start)
        return syntax_error(c, "a non-negative integer in 'shape'");
    if (peek(c) == 'L') /* Python 2 long literal, written by old NumPy */
        c->pos++;
    *out = v;
    return 0;
}

/* "()" "(3,)" "(2, 3)" "(2, 3,)"; "(3)" is an int in Python, not a tuple. */
static int parse_shape(cursor *c, size_t *shape, size_t *ndim)
{
    if (expect(c, '(', "'(' starting the 'shape' tuple") != 0)
        return -1;
    size_t n = 0;
    int trailing_comma = 0;
    for (;;) {
        skip_ws(c);
        if (peek(c) == ')')
            break;
        if (n == AB_TENSOR_MAX_DIMS)
            return ab_error_set(c->err, "%s: byte %zu: shape has more than %d dimensions",
                                c->what, c->pos, AB_TENSOR_MAX_DIMS);
        if (parse_dim(c, n, &shape[n]) != 0)
            return -1;
        n++;
        skip_ws(c);
        trailing_comma = 0;
        if (peek(c) == ',') {
            c->pos++;
            trailing_comma = 1;
        } else if (peek(c) != ')') {
            return syntax_error(c, "',' or ')' in 'shape'");
        }
    }
    if (n == 1 && !trailing_comma)
        return syntax_error(c, "',' after the only dimension (a 1-d shape is written (n,))");
    c->pos++; /* ')' */
    *ndim = n;
    return 0;
}

typedef struct npy_header {
    ab_dtype dtype;
    int fortran;
    size_t ndim;
    size_t shape[AB_TENSOR_MAX_DIMS];
} npy_header;

static int parse_descr(cursor *c, ab_dtype *dtype)
{
    char descr[16];
    const size_t at = c->pos;
    skip_ws(c);
    if (peek(c) == '[' || peek(c) == '{')
        return syntax_error(c, "a dtype string for 'descr' (structured dtypes are not supported)");
    if (parse_string(c, descr, sizeof descr, "a quoted dtype string for 'descr'") != 0)
        return -1;
    for (size_t i = 0; i < sizeof npy_dtypes / sizeof npy_dtypes[0]; i++) {
        if (strcmp(descr, npy_dtypes[i].descr) == 0) {
            *dtype = npy_dtypes[i].dtype;
            return 0;
        }
    }
    if (descr[0] == '>')
        return ab_error_set(c->err, "%s: byte %zu: descr '%s' is big-endian; only "
                            "little-endian data is supported", c->what, at, descr);
    return ab_error_set(c->err,
                        "%s: byte %zu: descr '%s' is not supported (expected one of "
                        "'<f2' '<f4' '<f8' '|i1' '<i2' '<i4' '<i8' '|u1' '<u2' '<u4' '<u8' '|b1')",
                        c->what, at, descr);
}

static int parse_header(cursor *c, npy_header *h)
{
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
    if (expect(c, '{', "'{' starting the header dict") != 0)
        return -1;
    for (;;) {
        skip_ws(c);
        if (peek(c) == '}')
            break;
        char key[32];
        const size_t key_at = c->pos;
        if (parse_string(c, key, sizeof key, "a quoted key or '}'") != 0)
            return -1;
        if (expect(c, ':', "':' after a key") != 0)
            return -1;
        int *seen;
        int rc;
        if (strcmp(key, "descr") == 0) {
            seen = &seen_descr;
            rc = parse_descr(c, &h->dtype);
        } else if (strcmp(key, "fortran_order") == 0) {
            seen = &seen_fortran;
            rc = parse_bool(c, &h->fortran);
        } else if (strcmp(key, "shape") == 0) {
            seen = &seen_shape;
            rc = parse_shape(c, h->shape, &h->ndim);
        } else {
            return ab_error_set(c->err, "%s: byte %zu: unknown key '%s' (expected "
                                "'descr', 'fortran_order', 'shape')", c->what, key_at, key);
        }
        if (rc != 0)
            return -1;
        if (*seen)
            return ab_error_set(c->err, "%s: byte %zu: key '%s' appears twice", c->what,
                                key_at, key);
        *seen = 1;
        skip_ws(c);
        if (peek(c) == ',')
            c->pos++;
        else if (peek(c) != '}')
            return syntax_error(c, "',' or '}' after a value");
    }
    c->pos++; /* '}' */
    skip_ws(c);
    if (c->pos != c->end)
        return syntax_error(c, "only whitespace after the header dict");
    if (!seen_descr || !seen_fortran || !seen_shape)
        return ab_error_set(c->err, "%s: header is missing key '%s'", c->what,
                            !seen_descr ? "descr" : !seen_fortran ? "fortran_order" : "shape");
    return 0;
}

int ab_npy_parse(const uint8_t *buf, size_t len, const char *what, ab_tensor *out,
                 ab_error *err)
{
    memset(out, 0, sizeof *out);
    if (!what)
        what = "<memory>";
    if (len < NPY_MAGIC_LEN || memcmp(buf, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return ab_error_set(err, "%s: not a .npy file (expected the magic \\x93NUMPY at byte 0)",
                            what);
    if (len < 8)
        return ab_error_set(err, "%s: file ends at byte %zu, inside the version (bytes 6-7)",
                            what, len);
    const uint8_t major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return ab_error_set(err, "%s: byte 6: .npy version %u.%u is not supported (expected 1.0, "
                            "2.0 or 3.0)", what, major, minor);
    /* Version 1.0 has a 16-bit header length, 2.0 and 3.0 a 32-bit one. */
    const size_t lenbytes = major == 1 ? 2 : 4;
    if (len < 8 + lenbytes)
        return ab_error_set(err, "%s: file ends at byte %zu, inside the header length (bytes "
                            "8-%zu)", what, len, 7 + lenbytes);
    const size_t hlen = major == 1 ? ab_le16(buf + 8) : ab_le32(buf + 8);
    const size_t hstart = 8 + lenbytes;
    if (hlen > len - hstart)
        return ab_error_set(err, "%s: byte 8: header length %zu runs past the end of the file "
                            "(%zu bytes after byte %zu)", what, hlen, len - hstart, hstart);

    cursor c = {buf, hstart, hstart + hlen, what, err};
    npy_header h;
    memset(&h, 0, sizeof h);
    if (parse_header(&c, &h) != 0)
        return -1;

    size_t count, bytes;
    char shape_s[200];
    ab_shape_format(shape_s, sizeof shape_s, h.shape, h.ndim);
    if (ab_shape_count(h.shape, h.ndim, &count) != 0 ||
        ab_shape_bytes(count, h.dtype, &bytes) != 0)
        return ab_error_set(err, "%s: shape %s is too large (its byte size overflows)", what,
                            shape_s);
    /* Fortran order is only a different layout with two or more dims. */
    if (h.fortran && h.ndim > 1)
        return ab_error_set(err, "%s: fortran_order is True for shape %s; only C order is "
                            "supported (save with np.ascontiguousarray)", what, shape_s);
    const size_t dstart = c.end;
    if (len - dstart != bytes)
        return ab_error_set(err, "%s: byte %zu: shape %s x %s needs %zu data bytes, file has %zu",
                            what, dstart, shape_s, ab_dtype_name(h.dtype), bytes, len - dstart);
    if (ab_tensor_alloc(out, h.shape, h.ndim, count, what, err) != 0)
        return -1;
    size_t bad = 0;
    if (ab_dtype_to_f32(h.dtype, buf + dstart, count, out->data, &bad) != 0) {
        ab_tensor_free(out);
        return ab_error_set(err, "%s: byte %zu: bool element %zu is 0x%02x, expected 0 or 1",
                            what, dstart + bad, bad, buf[dstart + bad]);
    }
    return 0;
}

int ab_npy_load(const char *path, ab_tensor *out, ab_error *err)
{
    uint8_t *buf;
    size_t len;
    memset(out, 0, sizeof *out);
    if (ab_read_file(path, &buf, &len, err) != 0)
        return -1;
    const int rc = ab_npy_parse(buf, len, path, out, err);
    free(buf);
    return rc;
}

int ab_npy_write_f32(const char *path, const float *data, size_t ndim, const size_t *shape,
                     ab_error *err)
{
    if (ndim > AB_TENSOR_MAX_DIMS)
        return ab_error_set(err, "%s: %zu dimensions, at most %d supported", path, ndim,
                            AB_TENSOR_MAX_DIMS);
    size_t count, bytes;
    if (ab_shape_count(shape, ndim, &count) != 0 ||
        ab_shape_bytes(count, AB_DTYPE_F32, &bytes) != 0)
        return ab_error_set(err, "%s: shape is too large (its byte size overflows)", path);
    if (count > 0 && !data)
        return ab_error_set(err, "%s: no data for %zu elements", path, count);

    /* Pad so the data starts on a 64-byte boundary, as NumPy does; the
     * dict ends with '\n'.  8 dims of 20 digits keep it far below 64 KiB,
     * so version 1.0 always suffices. */
    char header[512];
    int n = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (size_t i = 0; i < ndim; i++)
        n += snprintf(header + n, sizeof header - (size_t)n, "%zu%s", shape[i],
                      ndim == 1 ? "," : i + 1 < ndim ? ", " : "");
    n += snprintf(header + n, sizeof header - (size_t)n, "), }");
    size_t hlen = (size_t)n + 1;
    const size_t total = (10 + hlen + 63) / 64 * 64;
    memset(header + n, ' ', total - 10 - (size_t)n);
    hlen = total - 10;
    header[hlen - 1] = '\n';

    uint8_t prefix[10];
    memcpy(prefix, NPY_MAGIC, NPY_MAGIC_LEN);
    prefix[6] = 1;
    prefix[7] = 0;
    prefix[8] = (uint8_t)hlen;
    prefix[9] = (uint8_t)(hlen >> 8);

    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    int ok = fwrite(prefix, 1, sizeof prefix, af.fp) == sizeof prefix &&
             fwrite(header, 1, hlen, af.fp) == hlen;
    uint8_t chunk[4096];
    for (size_t i = 0; ok && i < count;) {
        size_t k = 0;
        for (; k < sizeof chunk / 4 && i < count; k++, i++) {
            uint32_t bits;
            memcpy(&bits, &data[i], sizeof bits);
            ab_put_le32(chunk + 4 * k, bits);
        }
        ok = fwrite(chunk, 4, k, af.fp) == k;
    }
    if (!ok) {
        ab_atomic_abort(&af);
        return ab_error_set(err, "%s: write failed", path);
    }
    return ab_atomic_commit(&af, err);
}
