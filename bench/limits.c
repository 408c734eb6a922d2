/* limits.c - this host's in-L1 AND+popcount rate per SIMD path and its
 * copy bandwidth (limits.h). */
#include "limits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LIMITS_X86 1
#endif

#define LIMIT_WORDS 256 /* per operand: 2 KiB, both in L1 */

double bench_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One pass over the operands: the popcount of a AND b, in eight
 * independent chains.  Returns the count so the work cannot be dropped. */
typedef uint64_t (*limit_pass)(const uint64_t *a, const uint64_t *b);

#ifdef LIMITS_X86
__attribute__((target("popcnt"))) static uint64_t pass_scalar(const uint64_t *a,
                                                              const uint64_t *b)
#else
static uint64_t pass_scalar(const uint64_t *a, const uint64_t *b)
#endif
{
    uint64_t s[8] = {0};
    for (size_t t = 0; t < LIMIT_WORDS; t += 8)
        for (unsigned i = 0; i < 8; i++)
            s[i] += (uint64_t)__builtin_popcountll(a[t + i] & b[t + i]);
    return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

/* The compute ceiling: eight operand words held in registers, each loaded
 * word of b ANDed with all eight (one load per eight pairs, the most reuse
 * a register-blocked kernel gets), eight chains. */
#ifdef LIMITS_X86
__attribute__((target("popcnt"))) static uint64_t reuse_scalar(const uint64_t *a,
                                                               const uint64_t *b)
#else
static uint64_t reuse_scalar(const uint64_t *a, const uint64_t *b)
#endif
{
    uint64_t x[8], s[8] = {0};
    for (unsigned i = 0; i < 8; i++)
        x[i] = a[i];
    for (size_t t = 0; t < LIMIT_WORDS; t++) {
        const uint64_t w = b[t];
        for (unsigned i = 0; i < 8; i++)
            s[i] += (uint64_t)__builtin_popcountll(x[i] & w);
    }
    return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

#ifdef LIMITS_X86
__attribute__((target("avx2"))) static __m256i popcnt256(__m256i v)
{
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1,
                                           1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i n =
        _mm256_add_epi8(_mm256_shuffle_epi8(table, _mm256_and_si256(v, low)),
                        _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), low)));
    return _mm256_sad_epu8(n, _mm256_setzero_si256());
}

__attribute__((target("avx2"))) static uint64_t sum256(const __m256i *s)
{
    __m256i r = s[0];
    for (unsigned i = 1; i < 8; i++)
        r = _mm256_add_epi64(r, s[i]);
    uint64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, r);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

__attribute__((target("avx2"))) static uint64_t reuse_avx2(const uint64_t *a, const uint64_t *b)
{
    __m256i x[8], s[8];
    for (unsigned i = 0; i < 8; i++) {
        x[i] = _mm256_loadu_si256((const __m256i *)(a + 4 * i));
        s[i] = _mm256_setzero_si256();
    }
    for (size_t t = 0; t < LIMIT_WORDS; t += 4) {
        const __m256i w = _mm256_loadu_si256((const __m256i *)(b + t));
        for (unsigned i = 0; i < 8; i++)
            s[i] = _mm256_add_epi64(s[i], popcnt256(_mm256_and_si256(x[i], w)));
    }
    return sum256(s);
}

__attribute__((target("avx512f,avx512vpopcntdq"))) static uint64_t reuse_avx512(const uint64_t *a,
                                                                               const uint64_t *b)
{
    __m512i x[8], s[8];
    for (unsigned i = 0; i < 8; i++) {
        x[i] = _mm512_loadu_si512(a + 8 * i);
        s[i] = _mm512_setzero_si512();
    }
    for (size_t t = 0; t < LIMIT_WORDS; t += 8) {
        const __m512i w = _mm512_loadu_si512(b + t);
        for (unsigned i = 0; i < 8; i++)
            s[i] = _mm512_add_epi64(s[i], _mm512_popcnt_epi64(_mm512_and_si512(x[i], w)));
    }
    __m512i r = s[0];
    for (unsigned i = 1; i < 8; i++)
        r = _mm512_add_epi64(r, s[i]);
    return (uint64_t)_mm512_reduce_add_epi64(r);
}

__attribute__((target("avx2"))) static uint64_t pass_avx2(const uint64_t *a, const uint64_t *b)
{
    __m256i s[8];
    for (unsigned i = 0; i < 8; i++)
        s[i] = _mm256_setzero_si256();
    for (size_t t = 0; t < LIMIT_WORDS; t += 32)
        for (unsigned i = 0; i < 8; i++)
            s[i] = _mm256_add_epi64(
                s[i], popcnt256(_mm256_and_si256(_mm256_loadu_si256((const __m256i *)(a + t + 4 * i)),
                                                 _mm256_loadu_si256((const __m256i *)(b + t + 4 * i)))));
    return sum256(s);
}

__attribute__((target("avx512f,avx512vpopcntdq"))) static uint64_t pass_avx512(const uint64_t *a,
                                                                              const uint64_t *b)
{
    __m512i s[8];
    for (unsigned i = 0; i < 8; i++)
        s[i] = _mm512_setzero_si512();
    for (size_t t = 0; t < LIMIT_WORDS; t += 64)
        for (unsigned i = 0; i < 8; i++)
            s[i] = _mm512_add_epi64(
                s[i], _mm512_popcnt_epi64(_mm512_and_si512(_mm512_loadu_si512(a + t + 8 * i),
                                                           _mm512_loadu_si512(b + t + 8 * i))));
    __m512i r = s[0];
    for (unsigned i = 1; i < 8; i++)
        r = _mm512_add_epi64(r, s[i]);
    return (uint64_t)_mm512_reduce_add_epi64(r);
}
#endif

double bench_popc_limit(ab_simd_path path, bench_limit_kind kind, double seconds)
{
    if (!ab_simd_supported(path))
        return 0;
    limit_pass pass = kind == BENCH_LIMIT_STREAM ? pass_scalar : reuse_scalar;
#ifdef LIMITS_X86
    if (path == AB_SIMD_AVX2)
        pass = kind == BENCH_LIMIT_STREAM ? pass_avx2 : reuse_avx2;
    else if (path == AB_SIMD_AVX512)
        pass = kind == BENCH_LIMIT_STREAM ? pass_avx512 : reuse_avx512;
#endif
    static const size_t words = LIMIT_WORDS;
    uint64_t *a = aligned_alloc(64, 2 * words * sizeof *a);
    if (!a)
        return 0;
    uint64_t *b = a + words;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < 2 * words; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        a[i] = x;
    }
    /* best of five slices of the time: the rate the core reaches when the
     * machine lets it */
    double best = 0;
    volatile uint64_t sink = 0;
    for (int slice = 0; slice < 5; slice++) {
        uint64_t passes = 0, n = 0;
        const double t0 = bench_now_s();
        double t = t0;
        while (t - t0 < seconds / 5) {
            for (int i = 0; i < 1000; i++)
                n += pass(a, b);
            passes += 1000;
            t = bench_now_s();
        }
        sink += n;
        /* bit pairs per pass: every word of b against one word of a
         * (stream) or against eight (compute) */
        const double pairs = 64.0 * (double)words * (kind == BENCH_LIMIT_STREAM ? 1.0 : 8.0);
        const double rate = 2.0 * pairs * (double)passes / (t - t0);
        best = rate > best ? rate : best;
    }
    (void)sink;
    free(a);
    return best;
}

double bench_copy_bandwidth(int repeats)
{
    const size_t bytes = (size_t)64 << 20;
    char *src = malloc(bytes), *dst = malloc(bytes);
    if (!src || !dst) {
        free(src), free(dst);
        return 0;
    }
    memset(src, 1, bytes);
    memset(dst, 2, bytes); /* touch every page before timing */
    double best = 1e30;
    for (int r = 0; r < (repeats < 1 ? 1 : repeats); r++) {
        const double t0 = bench_now_s();
        memcpy(dst, src, bytes);
        const double t = bench_now_s() - t0;
        best = t < best ? t : best;
        src[r % bytes] ^= dst[(r * 4099) % bytes]; /* keep the copies observable */
    }
    free(src), free(dst);
    return 2.0 * (double)bytes / best;
}
