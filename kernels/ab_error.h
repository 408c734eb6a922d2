/* ab_error.h - one diagnostic message carried out of a failing call.
 *
 * Every fallible function in kernels/ and sim/ takes an ab_error * and, on
 * failure, fills it with one human-readable line that names the input (file,
 * field, offset), what was expected and what was found.  Callers decide how
 * to report it; the CLI prints it on stderr and exits with status 2.
 */
#ifndef AB_ERROR_H
#define AB_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define AB_ERROR_MAX 512

typedef struct ab_error {
    char msg[AB_ERROR_MAX];
} ab_error;

/* printf-style; a NULL err is allowed and ignored.  Always returns -1 so a
 * caller can write `return ab_error_set(err, ...);`. */
int ab_error_set(ab_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
