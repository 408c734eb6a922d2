// test_gemm_bitplane.cpp - the bit-plane (binary tensor core) GEMM of
// ABQ-LLM against a naive integer GEMM written here: every WpAq with
// p, q = 1..8 and both signednesses, odd K, XOR ({-1,+1}) and mixed modes,
// zero points, blocking edges, int32 overflow reporting, scaled-down ABQ
// reference shapes, and the tile-count rule on hand-computed cases.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "gemm_bitplane.h"
}

namespace {

struct Operand {
    std::vector<uint8_t> codes; // [rows][k]
    std::vector<uint64_t> words;
    ab_bp_matrix mat;
};

Operand make(size_t rows, size_t k, unsigned bits, ab_bp_kind kind, std::mt19937_64 &rng)
{
    Operand o;
    o.codes.resize(rows * k);
    uint64_t r = 0;
    for (size_t i = 0; i < o.codes.size(); i++) { // 8 codes per draw
        if (i % 8 == 0)
            r = rng();
        o.codes[i] = (uint8_t)((r >> (8 * (i % 8))) & ((1u << bits) - 1u));
    }
    o.words.resize(ab_bp_packed_words(rows, k, bits) + 1); // +1: never empty
    ab_bp_pack(o.codes.data(), rows, k, bits, o.words.data());
    o.mat = ab_bp_matrix_of(o.words.data(), rows, k, bits, kind);
    return o;
}

// The value a code stands for, written independently of the library.
int64_t value(uint8_t code, unsigned bits, ab_bp_kind kind)
{
    switch (kind) {
    case AB_BP_UNSIGNED:
        return code;
    case AB_BP_SIGNED:
        return (code >> (bits - 1)) ? (int64_t)code - ((int64_t)1 << bits) : (int64_t)code;
    case AB_BP_PM1:
        return code ? 1 : -1;
    }
    return 0;
}

std::vector<int32_t> decode(const Operand &o)
{
    std::vector<int32_t> v(o.codes.size());
    for (size_t i = 0; i < v.size(); i++)
        v[i] = (int32_t)value(o.codes[i], o.mat.bits, o.mat.kind);
    return v;
}

std::vector<int64_t> naive(const Operand &x, const Operand &w, const int32_t *zx = nullptr,
                           const int32_t *zw = nullptr)
{
    const size_t M = x.mat.rows, N = w.mat.rows, K = x.mat.k;
    const std::vector<int32_t> xv = decode(x), wv = decode(w);
    std::vector<int64_t> y(M * N);
    for (size_t m = 0; m < M; m++)
        for (size_t n = 0; n < N; n++) {
            const int32_t a0 = zx ? zx[m] : 0, b0 = zw ? zw[n] : 0;
            const int32_t *a = xv.data() + m * K, *b = wv.data() + n * K;
            int64_t s = 0;
            for (size_t k = 0; k < K; k++)
                s += (int64_t)(a[k] - a0) * (b[k] - b0);
            y[m * N + n] = s;
        }
    return y;
}

std::vector<int64_t> run(const Operand &x, const Operand &w, ab_bp_stats *st = nullptr,
                         const int32_t *zx = nullptr, const int32_t *zw = nullptr)
{
    std::vector<int64_t> y(x.mat.rows * w.mat.rows + 1, 0x5a5a5a5a);
    ab_error err{};
    EXPECT_EQ(ab_bp_gemm_zp(&x.mat, &w.mat, zx, zw, y.data(), st, &err), 0) << err.msg;
    y.resize(x.mat.rows * w.mat.rows);
    return y;
}

const char *kind_name(ab_bp_kind k)
{
    return k == AB_BP_SIGNED ? "int" : k == AB_BP_UNSIGNED ? "uint" : "bin";
}

} // namespace

TEST(BitplaneGemm, EveryWidthPairAndSignedness)
{
    std::mt19937_64 rng(20250201);
    const size_t M = 3, N = 5, K = 157; // K not a multiple of 64 or 128
    for (unsigned q = 1; q <= 8; q++)
        for (unsigned p = 1; p <= 8; p++)
            for (int sx = 0; sx < 2; sx++)
                for (int sw = 0; sw < 2; sw++) {
                    const ab_bp_kind kx = sx ? AB_BP_SIGNED : AB_BP_UNSIGNED;
                    const ab_bp_kind kw = sw ? AB_BP_SIGNED : AB_BP_UNSIGNED;
                    const Operand x = make(M, K, q, kx, rng);
                    const Operand w = make(N, K, p, kw, rng);
                    ab_bp_stats st{};
                    EXPECT_EQ(run(x, w, &st), naive(x, w))
                        << "W" << kind_name(kw) << p << " A" << kind_name(kx) << q;
                    EXPECT_EQ(st.int32_overflow, 0u);
                }
}

TEST(BitplaneGemm, OddAndBoundaryK)
{
    std::mt19937_64 rng(7);
    for (size_t K : {1, 2, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000}) {
        for (unsigned pq : {1u, 3u, 4u, 8u}) {
            const Operand x = make(2, K, pq, AB_BP_SIGNED, rng);
            const Operand w = make(7, K, 9 - pq, AB_BP_SIGNED, rng);
            EXPECT_EQ(run(x, w), naive(x, w)) << "K=" << K << " q=" << pq;
        }
    }
}

TEST(BitplaneGemm, BlockEdges)
{
    // M and N beyond the 64-row blocks, not multiples of the 2x4 kernel
    std::mt19937_64 rng(11);
    const Operand x = make(131, 200, 5, AB_BP_SIGNED, rng);
    const Operand w = make(67, 200, 3, AB_BP_UNSIGNED, rng);
    EXPECT_EQ(run(x, w), naive(x, w));
    const Operand x1 = make(1, 200, 2, AB_BP_SIGNED, rng);
    const Operand w1 = make(1, 200, 7, AB_BP_SIGNED, rng);
    EXPECT_EQ(run(x1, w1), naive(x1, w1));
}

TEST(BitplaneGemm, ExtremeCodes)
{
    // all codes at the most negative / largest value: sign planes fully set
    std::mt19937_64 rng(3);
    for (unsigned bits = 1; bits <= 8; bits++)
        for (uint8_t fill : {(uint8_t)(1u << (bits - 1)), (uint8_t)((1u << bits) - 1u)}) {
            Operand x = make(2, 300, bits, AB_BP_SIGNED, rng);
            Operand w = make(3, 300, bits, AB_BP_SIGNED, rng);
            for (auto &c : x.codes)
                c = fill;
            for (auto &c : w.codes)
                c = fill;
            ab_bp_pack(x.codes.data(), 2, 300, bits, x.words.data());
            ab_bp_pack(w.codes.data(), 3, 300, bits, w.words.data());
            EXPECT_EQ(run(x, w), naive(x, w)) << bits;
        }
}

TEST(BitplaneXor, PlusMinusOneMatchesNaive)
{
    std::mt19937_64 rng(42);
    for (size_t K : {1, 5, 64, 100, 128, 129, 333}) {
        const Operand x = make(4, K, 1, AB_BP_PM1, rng);
        const Operand w = make(9, K, 1, AB_BP_PM1, rng);
        EXPECT_EQ(run(x, w), naive(x, w)) << "K=" << K;
    }
}

TEST(BitplaneXor, PopcGemmXorDirect)
{
    std::mt19937_64 rng(5);
    const Operand a = make(3, 150, 1, AB_BP_PM1, rng);
    const Operand b = make(6, 150, 1, AB_BP_PM1, rng);
    std::vector<uint32_t> c(3 * 6);
    ab_bp_popc_gemm(a.words.data(), 3, b.words.data(), 6, a.mat.kw, AB_BP_XOR, c.data(), 6);
    for (size_t r = 0; r < 3; r++)
        for (size_t s = 0; s < 6; s++) {
            uint32_t d = 0;
            for (size_t k = 0; k < 150; k++)
                d += a.codes[r * 150 + k] != b.codes[s * 150 + k];
            EXPECT_EQ(c[r * 6 + s], d);
        }
}

TEST(BitplaneMixed, ZeroOneTimesPlusMinusOne)
{
    std::mt19937_64 rng(99);
    for (size_t K : {1, 77, 128, 190}) {
        const Operand x = make(3, K, 1, AB_BP_UNSIGNED, rng);
        const Operand w = make(5, K, 1, AB_BP_PM1, rng);
        EXPECT_EQ(run(x, w), naive(x, w)) << "K=" << K;
        EXPECT_EQ(run(w, x), naive(w, x)) << "K=" << K; // {+-1} x {0,1}
    }
}

TEST(BitplaneMixed, IntTimesPlusMinusOne)
{
    std::mt19937_64 rng(100);
    for (unsigned bits = 1; bits <= 8; bits++)
        for (ab_bp_kind k : {AB_BP_SIGNED, AB_BP_UNSIGNED}) {
            const Operand x = make(4, 141, bits, k, rng);
            const Operand w = make(6, 141, 1, AB_BP_PM1, rng);
            EXPECT_EQ(run(x, w), naive(x, w)) << bits;
            EXPECT_EQ(run(w, x), naive(w, x)) << bits;
        }
}

TEST(BitplaneZeroPoint, MatchesNaive)
{
    std::mt19937_64 rng(1234);
    const size_t M = 5, N = 7, K = 211;
    for (unsigned q : {2u, 4u, 8u})
        for (unsigned p : {1u, 3u, 4u, 8u})
            for (ab_bp_kind k : {AB_BP_UNSIGNED, AB_BP_SIGNED}) {
                const Operand x = make(M, K, q, k, rng);
                const Operand w = make(N, K, p, AB_BP_UNSIGNED, rng);
                std::vector<int32_t> zx(M), zw(N);
                for (auto &z : zx)
                    z = (int32_t)(rng() % (1u << q)) - (k == AB_BP_SIGNED ? (1 << (q - 1)) : 0);
                for (auto &z : zw)
                    z = (int32_t)(rng() % (1u << p));
                EXPECT_EQ(run(x, w, nullptr, zx.data(), zw.data()),
                          naive(x, w, zx.data(), zw.data()))
                    << "p=" << p << " q=" << q;
                // one side only
                EXPECT_EQ(run(x, w, nullptr, nullptr, zw.data()), naive(x, w, nullptr, zw.data()));
                EXPECT_EQ(run(x, w, nullptr, zx.data(), nullptr), naive(x, w, zx.data(), nullptr));
            }
}

// Guards against the row sums counting K's zero padding (the {-1,+1}
// row sum is 2 popc - K, K the true length, not the padded 128) and
// against a wrong zero-point rewrite with a {-1,+1} operand: hand-computed
// sums, and x = (+1, -1, +1) (bin codes 1 0 1) against uint2 codes 3 0 2
// with zero point 1, i.e. w = (2, -1, 1): x . w = 2 + 1 + 1 = 4.
TEST(BitplaneZeroPoint, PlusMinusOneRowSumsAndZeroPoint)
{
    auto pack = [](const std::vector<uint8_t> &codes, size_t rows, size_t k, unsigned bits,
                   ab_bp_kind kind, std::vector<uint64_t> &words) {
        words.assign(ab_bp_packed_words(rows, k, bits), 0);
        ab_bp_pack(codes.data(), rows, k, bits, words.data());
        return ab_bp_matrix_of(words.data(), rows, k, bits, kind);
    };
    std::vector<uint64_t> wx, wz, wu, ws;
    const ab_bp_matrix x = pack({1, 0, 1, 0, 0, 0}, 2, 3, 1, AB_BP_PM1, wx);
    int64_t sums[2];
    ab_bp_row_sums(&x, sums);
    EXPECT_EQ(sums[0], 1);  // +1 -1 +1
    EXPECT_EQ(sums[1], -3); // -1 -1 -1
    const ab_bp_matrix u = pack({3, 1, 2}, 1, 3, 2, AB_BP_UNSIGNED, wu);
    ab_bp_row_sums(&u, sums);
    EXPECT_EQ(sums[0], 6);
    const ab_bp_matrix s = pack({3, 2, 1}, 1, 3, 2, AB_BP_SIGNED, ws); // -1 -2 +1
    ab_bp_row_sums(&s, sums);
    EXPECT_EQ(sums[0], -2);

    const ab_bp_matrix w = pack({3, 0, 2}, 1, 3, 2, AB_BP_UNSIGNED, wz);
    const int32_t zw[1] = {1};
    int64_t y[2] = {0, 0};
    ab_error err{};
    ASSERT_EQ(ab_bp_gemm_zp(&x, &w, nullptr, zw, y, nullptr, &err), 0) << err.msg;
    EXPECT_EQ(y[0], 4);
    EXPECT_EQ(y[1], -2); // (-1, -1, -1) . (2, -1, 1)
}

TEST(BitplaneOverflow, FlagsAndWrapsInt32)
{
    // uint8 x uint8, every code 255: 255*255*K exceeds INT32_MAX for K > 33025
    std::mt19937_64 rng(1);
    const size_t K = 40000;
    Operand x = make(1, K, 8, AB_BP_UNSIGNED, rng);
    Operand w = make(2, K, 8, AB_BP_UNSIGNED, rng);
    for (auto &c : x.codes)
        c = 255;
    for (auto &c : w.codes)
        c = 255;
    ab_bp_pack(x.codes.data(), 1, K, 8, x.words.data());
    ab_bp_pack(w.codes.data(), 2, K, 8, w.words.data());
    ab_bp_stats st{};
    const auto y = run(x, w, &st);
    EXPECT_EQ(y[0], (int64_t)255 * 255 * (int64_t)K);
    EXPECT_EQ(st.int32_overflow, 2u);
    // the int32 hardware result is y mod 2^32
    EXPECT_EQ(ab_bp_wrap_int32(y[0]), (int32_t)(2601000000 - 4294967296LL));
    EXPECT_EQ(ab_bp_wrap_int32(-1), -1);
    EXPECT_EQ(ab_bp_wrap_int32(INT32_MIN), INT32_MIN);
    EXPECT_EQ(ab_bp_wrap_int32((int64_t)INT32_MAX + 1), INT32_MIN);
    EXPECT_EQ(ab_bp_wrap_int32(4294967296LL + 5), 5);
}

TEST(BitplaneGemm, PlaneWeightsAndPadding)
{
    EXPECT_EQ(ab_bp_plane_weight(0, 1, true), -1);
    EXPECT_EQ(ab_bp_plane_weight(3, 4, true), -8);
    EXPECT_EQ(ab_bp_plane_weight(3, 4, false), 8);
    EXPECT_EQ(ab_bp_plane_weight(2, 4, true), 4);
    EXPECT_EQ(ab_bp_kpad(1), 128u);
    EXPECT_EQ(ab_bp_kpad(128), 128u);
    EXPECT_EQ(ab_bp_kpad(129), 256u);
    EXPECT_EQ(ab_bp_words(4096), 64u);
    EXPECT_EQ(ab_bp_packed_words(3, 129, 4), 4u * 3u * 4u);
    // plane i holds bit i: code 5 = 0b101 at k = 70
    std::vector<uint8_t> codes(200, 0);
    codes[70] = 5;
    std::vector<uint64_t> w(ab_bp_packed_words(1, 200, 3));
    ab_bp_pack(codes.data(), 1, 200, 3, w.data());
    EXPECT_EQ(w[0 * 4 + 1], (uint64_t)1 << 6);
    EXPECT_EQ(w[1 * 4 + 1], 0u);
    EXPECT_EQ(w[2 * 4 + 1], (uint64_t)1 << 6);
}

TEST(BitplaneGemm, RejectsBadOperands)
{
    std::mt19937_64 rng(2);
    Operand x = make(2, 100, 4, AB_BP_SIGNED, rng);
    Operand w = make(3, 100, 4, AB_BP_SIGNED, rng);
    std::vector<int64_t> y(6);
    ab_error err{};
    // stray bit in the K padding (bit 100 of plane 2, row 1)
    x.words[(2 * 2 + 1) * x.mat.kw + 1] |= (uint64_t)1 << (100 - 64);
    EXPECT_EQ(ab_bp_gemm(&x.mat, &w.mat, y.data(), nullptr, &err), -1);
    EXPECT_NE(std::string(err.msg).find("padding"), std::string::npos) << err.msg;
    x.words[(2 * 2 + 1) * x.mat.kw + 1] &= ~((uint64_t)1 << (100 - 64));
    EXPECT_EQ(ab_bp_gemm(&x.mat, &w.mat, y.data(), nullptr, &err), 0) << err.msg;
    // K mismatch
    const Operand w2 = make(3, 101, 4, AB_BP_SIGNED, rng);
    EXPECT_EQ(ab_bp_gemm(&x.mat, &w2.mat, y.data(), nullptr, &err), -1);
    EXPECT_NE(std::string(err.msg).find("K = 101"), std::string::npos) << err.msg;
    // bin with two bits, nine bits
    ab_bp_matrix bad = w.mat;
    bad.kind = AB_BP_PM1;
    EXPECT_EQ(ab_bp_gemm(&x.mat, &bad, y.data(), nullptr, &err), -1);
    bad = w.mat;
    bad.bits = 9;
    EXPECT_EQ(ab_bp_gemm(&x.mat, &bad, y.data(), nullptr, &err), -1);
}

// ABQ-LLM's reference check: M in {1,4,8} and LLM shapes.  Scaled to
// N = 512, K = 4096 for M = 4, 8 (Debug+ASan time); the full 4096 x 4096
// at M = 1 is kept when it runs in about a second (measured below).
TEST(BitplaneShapes, AbqReferenceShapesScaled)
{
    std::mt19937_64 rng(4096);
    struct Case {
        size_t M, N, K;
        unsigned p, q;
    };
    const Case cases[] = {{1, 4096, 4096, 4, 4}, {4, 512, 4096, 2, 8}, {8, 512, 4096, 4, 4},
                          {8, 512, 4096, 8, 8}, {1, 512, 11008, 3, 8}};
    for (const Case &c : cases) {
        const auto t0 = std::chrono::steady_clock::now();
        const Operand x = make(c.M, c.K, c.q, AB_BP_SIGNED, rng);
        const Operand w = make(c.N, c.K, c.p, AB_BP_SIGNED, rng);
        ab_bp_stats st{};
        EXPECT_EQ(run(x, w, &st), naive(x, w)) << c.M << "x" << c.N << "x" << c.K;
        EXPECT_EQ(st.int32_overflow, 0u);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        RecordProperty("M" + std::to_string(c.M) + "_N" + std::to_string(c.N) + "_K" +
                           std::to_string(c.K) + "_W" + std::to_string(c.p) + "A" +
                           std::to_string(c.q) + "_s",
                       std::to_string(s));
    }
}

TEST(BitplaneTiles, HandComputedCounts)
{
    // W4A4, M=1, N=K=4096, m8n8k128: ceil(4/8)=1, ceil(16384/8)=2048, 4096/128=32
    EXPECT_EQ(ab_bp_tile_mmas(1, 4096, 4096, 4, 4, 8, 8, 128), 65536u);
    // A8 M=8 -> 64 rows = 8 tiles; W2 N=8 -> 16 = 2 tiles; K=129 -> 2 k-steps
    EXPECT_EQ(ab_bp_tile_mmas(8, 8, 129, 2, 8, 8, 8, 128), 32u);
    // m16n8k256: qM = 15 -> 1, pN = 9 -> 2, K = 256 -> 1
    EXPECT_EQ(ab_bp_tile_mmas(5, 3, 256, 3, 3, 16, 8, 256), 2u);
    // XOR mode is p = q = 1: M=16,N=16,K=1000 on m8n8k128: 2*2*8
    EXPECT_EQ(ab_bp_tile_mmas(16, 16, 1000, 1, 1, 8, 8, 128), 32u);
    EXPECT_EQ(ab_bp_tile_mmas(0, 16, 1000, 1, 1, 8, 8, 128), 0u);
    EXPECT_EQ(ab_bp_tile_mmas(1, 16, 1000, 1, 1, 8, 8, 0), 0u);

    ab_bp_events ev{};
    ab_bp_count_events(1, 4096, 4096, 4, 4, 8, 8, 128, &ev);
    EXPECT_EQ(ev.tile_mmas, 65536u);
    EXPECT_EQ(ev.bit_ops, 65536ull * 8 * 8 * 128);
    EXPECT_EQ(ev.useful_bit_ops, 4ull * 1 * 4 * 4096 * 4096);
    EXPECT_EQ(ev.epilogue_macs, 1ull * 4096 * 16);
    // useful / issued = 4 of 8 rows used: exactly half
    EXPECT_EQ(ev.bit_ops, 2 * ev.useful_bit_ops);
}
