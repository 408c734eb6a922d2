/* yaml_doc.c - libfyaml documents read field by field with one clear
 * message per problem (see yaml_doc.h).  Syntax errors are collected from
 * libfyaml's diagnostics (nothing is printed) and reported with their line.
 */
#include "yaml_doc.h"

#include "tensor_io.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ab_ydoc_path(char *buf, size_t cap, const char *path, const char *key)
{
    if (!path || !*path)
        snprintf(buf, cap, "%s", key);
    else
        snprintf(buf, cap, "%s.%s", path, key);
    return buf;
}

int ab_ydoc_line(struct fy_node *n)
{
    if (!n)
        return 0;
    struct fy_token *t = fy_node_get_scalar_token(n);
    if (!t) {
        /* a collection: use the key that maps to it, when there is one */
        struct fy_node *parent = fy_node_get_parent(n);
        if (parent && fy_node_is_mapping(parent)) {
            void *it = NULL;
            struct fy_node_pair *p;
            while ((p = fy_node_mapping_iterate(parent, &it)) != NULL)
                if (fy_node_pair_value(p) == n) {
                    struct fy_node *k = fy_node_pair_key(p);
                    t = k ? fy_node_get_scalar_token(k) : NULL;
                    break;
                }
        }
    }
    if (!t)
        return 0;
    const struct fy_mark *m = fy_token_start_mark(t);
    return m ? m->line + 1 : 0;
}

int ab_ydoc_fail(const ab_ydoc *d, struct fy_node *n, const char *path, const char *fmt, ...)
{
    char what[AB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const int line = ab_ydoc_line(n);
    char where[AB_ERROR_MAX];
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d", d->file, line);
    else
        snprintf(where, sizeof where, "%s", d->file);
    if (path && *path)
        return ab_error_set(d->err, "%.200s: %.100s: %.200s", where, path, what);
    return ab_error_set(d->err, "%.200s: %.300s", where, what);
}

/* First error libfyaml reported, kept instead of printed. */
typedef struct diag_capture {
    char msg[256];
} diag_capture;

static void diag_out(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    diag_capture *c = user;
    if (c->msg[0])
        return;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        len--;
    if (len >= sizeof c->msg)
        len = sizeof c->msg - 1;
    memcpy(c->msg, buf, len);
    c->msg[len] = '\0';
}

/* YAML 1.2 streams are printable Unicode (section 5.1: tab, LF, CR, 0x20-0x7E,
 * U+0085 and up, no surrogates).  Checked here, before the parser sees the
 * bytes, because Debian's libfyaml 0.7.12 can loop forever on a directive
 * line holding a NUL and invalid UTF-8 (found by tests/fuzz/fuzz_yaml.c). */
static int check_yaml_text(const uint8_t *b, size_t n, const char *file, ab_error *err)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t c = b[i];
        if (c < 0x80) {
            if (c == 0x7f || (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))
                return ab_error_set(err, "%s: byte %zu: control character 0x%02x; YAML files "
                                    "are printable UTF-8 text", file, i, c);
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1fu, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0fu, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07u, min = 0x10000;
        } else {
            return ab_error_set(err, "%s: byte %zu: 0x%02x is not UTF-8; YAML files are "
                                "UTF-8 text", file, i, c);
        }
        if (i + len > n)
            return ab_error_set(err, "%s: byte %zu: UTF-8 sequence cut off by the end of the "
                                "file", file, i);
        for (size_t k = 1; k < len; k++) {
            if ((b[i + k] & 0xc0) != 0x80)
                return ab_error_set(err, "%s: byte %zu: 0x%02x is not UTF-8; YAML files are "
                                    "UTF-8 text", file, i, c);
            cp = (cp << 6) | (b[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
            (cp >= 0x80 && cp < 0xa0 && cp != 0x85))
            return ab_error_set(err, "%s: byte %zu: U+%04X is not allowed in YAML text", file,
                                i, (unsigned)cp);
        i += len;
    }
    return 0;
}

int ab_ydoc_load(ab_ydoc *d, const char *file, ab_error *err)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->err = err;
    uint8_t *text;
    size_t len;
    if (ab_read_file(file, &text, &len, err) != 0)
        return -1;
    const int bad = check_yaml_text(text, len, file, err);
    free(text);
    if (bad)
        return -1;

    diag_capture cap = {{0}};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_out;
    dcfg.user = &cap;
    dcfg.colorize = false;
    dcfg.show_source = false;
    dcfg.show_position = true;
    dcfg.show_type = false;
    dcfg.show_module = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag)
        return ab_error_set(err, "%s: out of memory creating the YAML parser", file);
    struct fy_parse_cfg pcfg;
    memset(&pcfg, 0, sizeof pcfg);
    pcfg.flags = FYPCF_DEFAULT_DOC;
    pcfg.diag = diag;
    /* Errors are collected, not printed: Debian 12's libfyaml 0.7.12 can crash
     * formatting the report of an unterminated quoted scalar that runs over
     * a line (fy_diag_error_atom_display; found by tests/fuzz/fuzz_sweep_dir,
     * tests/fuzz/seeds/fuzz_yaml/ keeps the input). */
    fy_diag_set_collect_errors(diag, true);
    d->fyd = fy_document_build_from_file(&pcfg, file);
    if (!d->fyd) {
        void *it = NULL;
        const struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
        if (e && e->msg)
            snprintf(cap.msg, sizeof cap.msg, "%s:%d:%d: error: %s", file, e->line, e->column,
                     e->msg);
    }
    /* leaving collect mode frees the collected errors (unref alone leaks them) */
    fy_diag_set_collect_errors(diag, false);
    fy_diag_unref(diag);
    if (!d->fyd)
        return ab_error_set(err, "%s: invalid YAML: %s", file,
                            cap.msg[0] ? cap.msg : "the parser gave up");
    d->root = fy_document_root(d->fyd);
    if (!d->root || !fy_node_is_mapping(d->root)) {
        ab_ydoc_fail(d, d->root, "", "expected a mapping of fields at the top level, found %s",
                     !d->root ? "an empty document"
                     : fy_node_is_sequence(d->root) ? "a sequence" : "a scalar");
        ab_ydoc_free(d);
        return -1;
    }
    return 0;
}

void ab_ydoc_free(ab_ydoc *d)
{
    if (d->fyd)
        fy_document_destroy(d->fyd);
    d->fyd = NULL;
    d->root = NULL;
}

static const char *kind_word(struct fy_node *n)
{
    if (!n)
        return "nothing";
    if (fy_node_is_mapping(n))
        return "a mapping";
    if (fy_node_is_sequence(n))
        return "a sequence";
    return "a scalar";
}

int ab_ydoc_check_keys(const ab_ydoc *d, struct fy_node *map, const char *path,
                       const char *const *allowed)
{
    if (!map || !fy_node_is_mapping(map))
        return ab_ydoc_fail(d, map, path, "expected a mapping, found %s", kind_word(map));
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *ks = (k && fy_node_is_scalar(k)) ? fy_node_get_scalar0(k) : NULL;
        if (!ks)
            return ab_ydoc_fail(d, k, path, "expected scalar field names, found %s",
                                kind_word(k));
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(ks, allowed[i]) == 0)
                ok = true;
        if (!ok) {
            char list[300] = "";
            size_t used = 0;
            for (size_t i = 0; allowed[i] && used < sizeof list - 40; i++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         i ? ", " : "", allowed[i]);
            char fp[160];
            return ab_ydoc_fail(d, k, ab_ydoc_path(fp, sizeof fp, path, ks),
                                "unknown field (expected one of: %s)", list);
        }
    }
    return 0;
}

struct fy_node *ab_ydoc_get(struct fy_node *map, const char *key)
{
    if (!map || !fy_node_is_mapping(map))
        return NULL;
    return fy_node_mapping_lookup_by_string(map, key, FY_NT);
}

/* The scalar text of `key`, or NULL with an error (or absent and optional). */
static int scalar_of(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                     bool required, const char *expected, struct fy_node **node,
                     const char **text)
{
    char fp[160];
    *node = ab_ydoc_get(map, key);
    *text = NULL;
    if (!*node) {
        if (required)
            return ab_ydoc_fail(d, map, ab_ydoc_path(fp, sizeof fp, path, key),
                                "missing required field (expected %s)", expected);
        return 0;
    }
    if (!fy_node_is_scalar(*node) || fy_node_is_alias(*node))
        return ab_ydoc_fail(d, *node, ab_ydoc_path(fp, sizeof fp, path, key),
                            "expected %s, found %s", expected, kind_word(*node));
    *text = fy_node_get_scalar0(*node);
    if (!*text)
        return ab_ydoc_fail(d, *node, ab_ydoc_path(fp, sizeof fp, path, key),
                            "expected %s, found an unreadable scalar", expected);
    return 0;
}

int ab_ydoc_uint(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                 bool required, bool allow_zero, uint64_t *out)
{
    const char *expected = allow_zero ? "a non-negative integer" : "a positive integer";
    struct fy_node *n;
    const char *s;
    if (scalar_of(d, map, path, key, required, expected, &n, &s) != 0)
        return -1;
    if (!s)
        return 0;
    char fp[160];
    ab_ydoc_path(fp, sizeof fp, path, key);
    bool ok = s[0] >= '0' && s[0] <= '9' && strlen(s) <= 15;
    uint64_t v = 0;
    for (const char *p = s; ok && *p; p++) {
        if (*p < '0' || *p > '9')
            ok = false;
        else
            v = v * 10u + (uint64_t)(*p - '0');
    }
    if (!ok || (!allow_zero && v == 0))
        return ab_ydoc_fail(d, n, fp, "expected %s, found \"%.60s\"", expected, s);
    *out = v;
    return 0;
}

int ab_ydoc_str(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                bool required, char *out, size_t cap)
{
    struct fy_node *n;
    const char *s;
    if (scalar_of(d, map, path, key, required, "a string", &n, &s) != 0)
        return -1;
    if (!s)
        return 0;
    char fp[160];
    ab_ydoc_path(fp, sizeof fp, path, key);
    if (!*s)
        return ab_ydoc_fail(d, n, fp, "expected a non-empty string, found \"\"");
    if (strlen(s) >= cap)
        return ab_ydoc_fail(d, n, fp, "expected at most %zu characters, found %zu", cap - 1,
                            strlen(s));
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

int ab_ydoc_bool(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                 bool required, bool *out)
{
    struct fy_node *n;
    const char *s;
    if (scalar_of(d, map, path, key, required, "true or false", &n, &s) != 0)
        return -1;
    if (!s)
        return 0;
    if (strcmp(s, "true") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(s, "false") == 0) {
        *out = false;
        return 0;
    }
    char fp[160];
    return ab_ydoc_fail(d, n, ab_ydoc_path(fp, sizeof fp, path, key),
                        "expected true or false, found \"%.60s\"", s);
}

int ab_ydoc_double(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                   bool required, bool allow_zero, double *out)
{
    const char *expected = allow_zero ? "a non-negative number" : "a positive number";
    struct fy_node *n;
    const char *s;
    if (scalar_of(d, map, path, key, required, expected, &n, &s) != 0)
        return -1;
    if (!s)
        return 0;
    char fp[160];
    ab_ydoc_path(fp, sizeof fp, path, key);
    /* Only plain decimal notation: strtod alone would also take "inf",
     * "nan", hex floats and leading signs or blanks. */
    bool ok = ((s[0] >= '0' && s[0] <= '9') || s[0] == '.') && strlen(s) <= 40;
    for (const char *p = s; ok && *p; p++)
        ok = (*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
             *p == '-';
    double v = 0.0;
    if (ok) {
        char *end = NULL;
        errno = 0;
        v = strtod(s, &end);
        ok = end && *end == '\0' && errno == 0 && isfinite(v);
    }
    if (!ok || v < 0.0 || (!allow_zero && v == 0.0))
        return ab_ydoc_fail(d, n, fp, "expected %s, found \"%.60s\"", expected, s);
    *out = v;
    return 0;
}
