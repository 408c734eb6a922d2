/* sweep_expr.c - the constraint language of sweep spaces: a small
 * recursive-descent evaluator over a point's column values.
 *
 *   expr  := and ('||' and)*          and  := not ('&&' not)*
 *   not   := '!' not | cmp            cmp  := sum (op sum)?   op: < <= > >= == !=
 *   sum   := prod (('+'|'-') prod)*   prod := unary (('*'|'/') unary)*
 *   unary := '-' unary | number | 'string' | FIELD | '(' expr ')'
 *
 * A FIELD is a column name (config.array.rows, recipe.weights.format,
 * phase, ...; workload.X is the column X).  A value that parses as a
 * number is a number, otherwise a string; strings compare with == and !=
 * only.  Truth: a nonzero number or a nonempty string. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

typedef struct val {
    bool num;
    double x;
    const char *s;
    size_t len;
} val;

typedef struct parser {
    const char *p, *start;
    const ab_sweep_spec *spec;
    const char *const *vals;
    ab_error *err;
    bool failed;
} parser;

static val fail(parser *ps, const char *what)
{
    if (!ps->failed)
        ab_error_set(ps->err, "\"%s\": %s at offset %d", ps->start, what, (int)(ps->p - ps->start));
    ps->failed = true;
    return (val){true, 0, NULL, 0};
}

static void skip(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static bool eat(parser *ps, const char *tok)
{
    skip(ps);
    const size_t n = strlen(tok);
    if (strncmp(ps->p, tok, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static val as_value(const char *text, size_t len)
{
    char buf[128];
    if (len > 0 && len < sizeof buf) {
        memcpy(buf, text, len);
        buf[len] = 0;
        char *end;
        const double x = strtod(buf, &end);
        if (*end == 0)
            return (val){true, x, NULL, 0};
    }
    return (val){false, 0, text, len};
}

static bool truth(val v) { return v.num ? v.x != 0 : v.len > 0; }

static val expr(parser *ps);

static val primary(parser *ps)
{
    skip(ps);
    if (eat(ps, "(")) {
        val v = expr(ps);
        if (!eat(ps, ")"))
            return fail(ps, "expected ')'");
        return v;
    }
    if (*ps->p == '\'') {
        const char *b = ++ps->p;
        while (*ps->p && *ps->p != '\'')
            ps->p++;
        if (*ps->p != '\'')
            return fail(ps, "unterminated string");
        const size_t len = (size_t)(ps->p - b);
        ps->p++;
        return (val){false, 0, b, len};
    }
    if (isdigit((unsigned char)*ps->p) || *ps->p == '.') {
        char *end;
        const double x = strtod(ps->p, &end);
        if (end == ps->p)
            return fail(ps, "expected a number");
        ps->p = end;
        return (val){true, x, NULL, 0};
    }
    if (isalpha((unsigned char)*ps->p) || *ps->p == '_') {
        const char *b = ps->p;
        while (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == '.')
            ps->p++;
        size_t len = (size_t)(ps->p - b);
        if (len > 9 && strncmp(b, "workload.", 9) == 0) {
            b += 9;
            len -= 9;
        }
        for (size_t c = 0; c < ps->spec->ncols; c++)
            if (strlen(ps->spec->cols[c]) == len && strncmp(ps->spec->cols[c], b, len) == 0)
                return as_value(ps->vals[c], strlen(ps->vals[c]));
        ps->p = b;
        return fail(ps, "unknown field (not an axis or workload column)");
    }
    return fail(ps, "expected a number, 'string', field or '('");
}

static val unary(parser *ps)
{
    if (eat(ps, "-")) {
        val v = unary(ps);
        if (!v.num)
            return fail(ps, "'-' needs a number");
        v.x = -v.x;
        return v;
    }
    return primary(ps);
}

static val prod(parser *ps)
{
    val v = unary(ps);
    for (;;) {
        const bool mul = eat(ps, "*");
        if (!mul && !eat(ps, "/"))
            return v;
        const val w = unary(ps);
        if (!v.num || !w.num)
            return fail(ps, "arithmetic needs numbers");
        v.x = mul ? v.x * w.x : v.x / w.x;
    }
}

static val sum(parser *ps)
{
    val v = prod(ps);
    for (;;) {
        const bool add = eat(ps, "+");
        if (!add && !eat(ps, "-"))
            return v;
        const val w = prod(ps);
        if (!v.num || !w.num)
            return fail(ps, "arithmetic needs numbers");
        v.x = add ? v.x + w.x : v.x - w.x;
    }
}

static val cmp(parser *ps)
{
    val v = sum(ps);
    static const char *const ops[] = {"<=", ">=", "==", "!=", "<", ">"};
    int op = -1;
    for (int i = 0; i < 6 && op < 0; i++)
        if (eat(ps, ops[i]))
            op = i;
    if (op < 0)
        return v;
    const val w = sum(ps);
    bool r;
    if (v.num && w.num) {
        const double a = v.x, b = w.x;
        r = op == 0 ? a <= b : op == 1 ? a >= b : op == 2 ? a == b : op == 3 ? a != b
          : op == 4 ? a < b : a > b;
    } else if (op == 2 || op == 3) {
        const bool eq = !v.num && !w.num && v.len == w.len && memcmp(v.s, w.s, v.len) == 0;
        r = op == 2 ? eq : !eq;
    } else {
        return fail(ps, "<, <=, >, >= need numbers");
    }
    return (val){true, r ? 1.0 : 0.0, NULL, 0};
}

static val negation(parser *ps)
{
    skip(ps);
    if (ps->p[0] == '!' && ps->p[1] != '=') {
        ps->p++;
        const val v = negation(ps);
        return (val){true, truth(v) ? 0.0 : 1.0, NULL, 0};
    }
    return cmp(ps);
}

static val conjunction(parser *ps)
{
    val v = negation(ps);
    while (eat(ps, "&&")) {
        const val w = negation(ps);
        v = (val){true, truth(v) && truth(w) ? 1.0 : 0.0, NULL, 0};
    }
    return v;
}

static val expr(parser *ps)
{
    val v = conjunction(ps);
    while (eat(ps, "||")) {
        const val w = conjunction(ps);
        v = (val){true, truth(v) || truth(w) ? 1.0 : 0.0, NULL, 0};
    }
    return v;
}

int ab_sweep_eval(const ab_sweep_spec *s, const char *text, const char *const *vals,
                  ab_error *err)
{
    parser ps = {text, text, s, vals, err, false};
    const val v = expr(&ps);
    skip(&ps);
    if (!ps.failed && *ps.p)
        fail(&ps, "unexpected text");
    if (ps.failed)
        return -1;
    return truth(v) ? 1 : 0;
}
