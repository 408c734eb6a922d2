// SIMD paths (kernels/simd.h): the run-time choice and ANYBIT_SIMD, and the
// bit-plane GEMM's AVX2 / AVX-512 kernels against a naive bit count and the
// scalar kernel on every shape edge (row blocks of 2 x 4, kw % 8 and kw % 4
// tails, ldc > rb).  CTest also runs the bit-plane and value suites once per
// path the CPU has (CMakeLists.txt, Simd.*).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "gemm_bitplane.h"
#include "simd.h"

namespace {

uint64_t splitmix(uint64_t &s)
{
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// bit by bit: shares nothing with the kernels
uint32_t naive_popc(uint64_t v)
{
    uint32_t n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

std::vector<ab_simd_path> supported_paths()
{
    std::vector<ab_simd_path> p;
    for (unsigned i = 0; i < AB_SIMD_PATHS; i++)
        if (ab_simd_supported(static_cast<ab_simd_path>(i)))
            p.push_back(static_cast<ab_simd_path>(i));
    return p;
}

// Restores ANYBIT_SIMD when a test that changes it ends.
struct EnvGuard {
    std::string saved;
    bool had;
    EnvGuard() : had(std::getenv(AB_SIMD_ENV) != nullptr)
    {
        if (had)
            saved = std::getenv(AB_SIMD_ENV);
    }
    ~EnvGuard()
    {
        if (had)
            setenv(AB_SIMD_ENV, saved.c_str(), 1);
        else
            unsetenv(AB_SIMD_ENV);
    }
};

// The per-path CTest runs (Simd.<path>) include this test: on a CPU
// without the path it is skipped, and CTest reports the whole run skipped.
TEST(SimdPaths, ForcedPathIsSupported)
{
    ab_simd_path p;
    ab_error err{};
    if (ab_simd_from_env(&p, &err) != 0)
        GTEST_SKIP() << err.msg;
    EXPECT_EQ(ab_simd_active(), p);
    const char *forced = std::getenv(AB_SIMD_ENV);
    if (forced && *forced) {
        EXPECT_STREQ(ab_simd_name(p), forced);
    }
}

TEST(SimdPaths, ScalarAlwaysRunsAndTheBestIsSupported)
{
    EXPECT_TRUE(ab_simd_supported(AB_SIMD_SCALAR));
    EXPECT_TRUE(ab_simd_supported(ab_simd_best()));
    // the best is the highest supported path
    for (unsigned i = ab_simd_best() + 1u; i < AB_SIMD_PATHS; i++)
        EXPECT_FALSE(ab_simd_supported(static_cast<ab_simd_path>(i)));
    for (unsigned i = 0; i < AB_SIMD_PATHS; i++) {
        ab_simd_path p;
        ab_error err{};
        ASSERT_EQ(ab_simd_parse(ab_simd_name(static_cast<ab_simd_path>(i)), &p, &err), 0);
        EXPECT_EQ(p, static_cast<ab_simd_path>(i));
    }
}

TEST(SimdPaths, BadEnvironmentIsOneMessageAndKernelsTakeTheBest)
{
    EnvGuard guard;
    setenv(AB_SIMD_ENV, "sse9", 1);
    ab_simd_path p;
    ab_error err{};
    EXPECT_EQ(ab_simd_from_env(&p, &err), -1);
    EXPECT_NE(std::string(err.msg).find("ANYBIT_SIMD='sse9' is unknown"), std::string::npos)
        << err.msg;
    EXPECT_NE(std::string(err.msg).find("scalar, avx2 or avx512"), std::string::npos) << err.msg;
    EXPECT_EQ(ab_simd_active(), ab_simd_best());
    unsetenv(AB_SIMD_ENV);
    ASSERT_EQ(ab_simd_from_env(&p, &err), 0);
    EXPECT_EQ(p, ab_simd_best());
    setenv(AB_SIMD_ENV, "", 1);
    ASSERT_EQ(ab_simd_from_env(&p, &err), 0);
    EXPECT_EQ(p, ab_simd_best());
    setenv(AB_SIMD_ENV, "scalar", 1);
    ASSERT_EQ(ab_simd_from_env(&p, &err), 0);
    EXPECT_EQ(p, AB_SIMD_SCALAR);
    EXPECT_EQ(ab_simd_active(), AB_SIMD_SCALAR);
    // a path this CPU lacks is refused by name (only testable on such a CPU)
    for (unsigned i = 0; i < AB_SIMD_PATHS; i++) {
        const auto q = static_cast<ab_simd_path>(i);
        if (ab_simd_supported(q))
            continue;
        setenv(AB_SIMD_ENV, ab_simd_name(q), 1);
        EXPECT_EQ(ab_simd_from_env(&p, &err), -1);
        EXPECT_NE(std::string(err.msg).find("this CPU cannot run"), std::string::npos) << err.msg;
    }
}

// c = popc(a_r op b_s) on every path, against the bit-by-bit count; the
// entries past rb in each row of c (ldc > rb) must stay untouched.
TEST(BitplaneSimd, EveryPathMatchesANaiveCountOnEveryEdge)
{
    const size_t ras[] = {0, 1, 2, 3, 4, 5, 9};
    const size_t rbs[] = {0, 1, 3, 4, 5, 7, 8, 13};
    const size_t kws[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 24, 31, 64, 66};
    uint64_t seed = 42;
    size_t checked = 0;
    for (const ab_simd_path path : supported_paths()) {
        for (const size_t kw : kws) {
            for (const size_t ra : ras) {
                for (const size_t rb : rbs) {
                    std::vector<uint64_t> a(ra * kw + 1), b(rb * kw + 1);
                    for (auto &v : a)
                        v = splitmix(seed);
                    for (auto &v : b)
                        v = splitmix(seed);
                    if (!a.empty())
                        a[0] = ~0ull; // all ones: 64 in a word
                    for (const ab_bp_op op : {AB_BP_AND, AB_BP_XOR}) {
                        const size_t ldc = rb + 3;
                        std::vector<uint32_t> c(ra * ldc + 1, 0xdeadbeefu);
                        ab_bp_popc_gemm_on(path, a.data(), ra, b.data(), rb, kw, op, c.data(),
                                           ldc);
                        for (size_t r = 0; r < ra; r++) {
                            for (size_t s = 0; s < ldc; s++) {
                                uint32_t want = 0xdeadbeefu;
                                if (s < rb) {
                                    want = 0;
                                    for (size_t t = 0; t < kw; t++) {
                                        const uint64_t x = a[r * kw + t], y = b[s * kw + t];
                                        want += naive_popc(op == AB_BP_XOR ? x ^ y : x & y);
                                    }
                                }
                                ASSERT_EQ(c[r * ldc + s], want)
                                    << ab_simd_name(path) << " op " << op << " ra " << ra
                                    << " rb " << rb << " kw " << kw << " at " << r << "," << s;
                                checked++;
                            }
                        }
                    }
                }
            }
        }
    }
    EXPECT_GT(checked, 10000u);
}

// The whole GEMM (plane stacking, blocks of 64 rows, epilogue, PM1 and
// zero-point corrections) gives the same y on every path as on scalar.
TEST(BitplaneSimd, WholeGemmIsTheSameOnEveryPath)
{
    struct Case {
        size_t M, N, K;
        unsigned q, p;
        ab_bp_kind kx, kw;
        bool zp;
    };
    const Case cases[] = {
        {1, 70, 4096, 4, 4, AB_BP_SIGNED, AB_BP_SIGNED, false},
        {65, 67, 300, 8, 2, AB_BP_SIGNED, AB_BP_UNSIGNED, false},
        {9, 130, 1000, 1, 1, AB_BP_PM1, AB_BP_PM1, false},
        {3, 17, 129, 8, 1, AB_BP_SIGNED, AB_BP_PM1, false},
        {66, 5, 257, 3, 5, AB_BP_UNSIGNED, AB_BP_UNSIGNED, true},
    };
    uint64_t seed = 7;
    for (const Case &c : cases) {
        std::vector<uint8_t> xc(c.M * c.K), wc(c.N * c.K);
        for (auto &v : xc)
            v = static_cast<uint8_t>(splitmix(seed) & ((1u << c.q) - 1u));
        for (auto &v : wc)
            v = static_cast<uint8_t>(splitmix(seed) & ((1u << c.p) - 1u));
        std::vector<uint64_t> xp(ab_bp_packed_words(c.M, c.K, c.q)),
            wp(ab_bp_packed_words(c.N, c.K, c.p));
        ab_bp_pack(xc.data(), c.M, c.K, c.q, xp.data());
        ab_bp_pack(wc.data(), c.N, c.K, c.p, wp.data());
        const ab_bp_matrix x = ab_bp_matrix_of(xp.data(), c.M, c.K, c.q, c.kx);
        const ab_bp_matrix w = ab_bp_matrix_of(wp.data(), c.N, c.K, c.p, c.kw);
        std::vector<int32_t> zx(c.M), zw(c.N);
        for (size_t i = 0; i < c.M; i++)
            zx[i] = static_cast<int32_t>(i % 5);
        for (size_t i = 0; i < c.N; i++)
            zw[i] = static_cast<int32_t>(i % 7) - 3;
        std::vector<int64_t> want(c.M * c.N);
        ab_error err{};
        ASSERT_EQ(ab_bp_gemm_zp_on(AB_SIMD_SCALAR, &x, &w, c.zp ? zx.data() : nullptr,
                                   c.zp ? zw.data() : nullptr, want.data(), nullptr, &err),
                  0)
            << err.msg;
        for (const ab_simd_path path : supported_paths()) {
            std::vector<int64_t> got(c.M * c.N, -1);
            ASSERT_EQ(ab_bp_gemm_zp_on(path, &x, &w, c.zp ? zx.data() : nullptr,
                                       c.zp ? zw.data() : nullptr, got.data(), nullptr, &err),
                      0)
                << err.msg;
            EXPECT_EQ(got, want) << ab_simd_name(path) << " M " << c.M << " N " << c.N << " K "
                                 << c.K;
        }
    }
}

} // namespace
