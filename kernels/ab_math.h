/* ab_math.h - small integer helpers every layer uses on hardware
 * quantities (tile counts, bytes from bits).  Inline: the tile walk calls
 * them per tile.
 */
#ifndef AB_MATH_H
#define AB_MATH_H

#include <stdint.h>

/* ceil(a / b), 0 for b = 0. */
static inline uint64_t ab_ceil_div(uint64_t a, uint64_t b)
{
    return b ? (a + b - 1) / b : 0;
}

#endif
