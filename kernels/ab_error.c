/* ab_error.c - formatting of ab_error messages (see ab_error.h). */
#include "ab_error.h"

#include <stdarg.h>
#include <stdio.h>

int ab_error_set(ab_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}
