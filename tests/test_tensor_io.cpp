// test_tensor_io.cpp - .npy and safetensors readers/writers and the
// half/bfloat16 conversions.
//
// Valid files round-trip bit for bit; every class of corruption is rejected
// with a message naming the field; every truncation of a valid file fails
// cleanly (run under ASan, the buffers are exact-size heap copies so any
// over-read is caught); failed writes leave nothing behind.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

extern "C" {
#include "format.h"
#include "tensor_io.h"
}

namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<uint8_t>;

std::string tmp_dir()
{
    const char *env = std::getenv("ANYBIT_TEST_TMP");
    // one folder per test: CTest runs tests in parallel processes, and the
    // has_temp_files checks must not see another test's temporary file
    const ::testing::TestInfo *ti = ::testing::UnitTest::GetInstance()->current_test_info();
    fs::path dir = fs::path(env && *env ? env : "/tmp") / "tensor_io" /
                   (std::string(ti->test_suite_name()) + "." + ti->name());
    fs::create_directories(dir);
    return dir.string();
}

Bytes slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spit(const std::string &path, const Bytes &b)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size()));
}

// No "PATH.tmp.XXXXXX" left over from an atomic write in dir.
bool has_temp_files(const std::string &dir)
{
    for (const auto &e : fs::directory_iterator(dir))
        if (e.path().filename().string().find(".tmp.") != std::string::npos)
            return true;
    return false;
}

uint32_t f32_bits(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

void put_le(Bytes &b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// A .npy image as NumPy writes it: dict padded with spaces to a 64-byte
// boundary, ending in '\n'.
Bytes npy_image(int major, const std::string &descr, const std::string &shape, const Bytes &data,
                const std::string &fortran = "False")
{
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + fortran +
                       ", 'shape': " + shape + ", }";
    const size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + dict.size() + 1) % 64 != 0)
        dict += ' ';
    dict += '\n';
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
    put_le(b, dict.size(), major == 1 ? 2 : 4);
    b.insert(b.end(), dict.begin(), dict.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

// A .npy image with a raw header string (no padding added).
Bytes npy_raw(const std::string &dict, const Bytes &data)
{
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    put_le(b, dict.size(), 2);
    b.insert(b.end(), dict.begin(), dict.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

Bytes st_image(const std::string &json, const Bytes &data)
{
    Bytes b;
    put_le(b, json.size(), 8);
    b.insert(b.end(), json.begin(), json.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

// Parse from an exact-size heap copy; "" on success, else the message.
std::string npy_error(const Bytes &img, const char *what = "x.npy")
{
    uint8_t *p = static_cast<uint8_t *>(std::malloc(img.size() ? img.size() : 1));
    if (!img.empty())
        std::memcpy(p, img.data(), img.size());
    ab_tensor t;
    ab_error err{};
    const int rc = ab_npy_parse(p, img.size(), what, &t, &err);
    std::free(p);
    if (rc == 0) {
        ab_tensor_free(&t);
        return "";
    }
    EXPECT_EQ(rc, -1);
    EXPECT_EQ(t.data, nullptr);
    return err.msg;
}

std::string st_error(const Bytes &img, const char *what = "model.safetensors",
                     bool convert = false)
{
    uint8_t *p = static_cast<uint8_t *>(std::malloc(img.size() ? img.size() : 1));
    if (!img.empty())
        std::memcpy(p, img.data(), img.size());
    ab_safetensors st;
    ab_error err{};
    const int rc = ab_safetensors_parse(p, img.size(), what, &st, &err);
    if (rc != 0) {
        EXPECT_EQ(rc, -1);
        std::free(p); // still the caller's on failure
        return err.msg;
    }
    std::string msg;
    for (size_t i = 0; convert && i < st.ntensors && msg.empty(); i++) {
        ab_tensor t;
        if (ab_safetensors_to_tensor(&st, &st.tensors[i], &t, &err) != 0)
            msg = err.msg;
        else
            ab_tensor_free(&t);
    }
    ab_safetensors_free(&st);
    return msg;
}

std::vector<float> load_npy(const Bytes &img, std::vector<size_t> *shape = nullptr)
{
    ab_tensor t;
    ab_error err{};
    EXPECT_EQ(ab_npy_parse(img.data(), img.size(), "x.npy", &t, &err), 0) << err.msg;
    std::vector<float> v(t.data, t.data + t.count);
    if (shape)
        shape->assign(t.shape, t.shape + t.ndim);
    ab_tensor_free(&t);
    return v;
}

template <typename T> Bytes le_bytes(const std::vector<T> &v)
{
    Bytes b;
    for (const T &x : v) {
        uint64_t u = 0;
        std::memcpy(&u, &x, sizeof x);
        put_le(b, u, sizeof x);
    }
    return b;
}

// ---- .npy -----------------------------------------------------------------

TEST(Npy, RoundTripF32)
{
    const std::string path = tmp_dir() + "/round.npy";
    const std::vector<std::vector<size_t>> shapes = {{}, {5}, {2, 3}, {0, 4}, {2, 3, 4},
                                                     {1, 1, 1, 1, 1, 1, 1, 7}};
    for (const auto &shape : shapes) {
        size_t n = 1;
        for (size_t d : shape)
            n *= d;
        std::vector<float> v(n);
        for (size_t i = 0; i < n; i++)
            v[i] = static_cast<float>(i) * 0.37f - 3.0f;
        if (n >= 5) {
            v[0] = -0.0f;
            v[1] = std::numeric_limits<float>::infinity();
            v[2] = std::numeric_limits<float>::quiet_NaN();
            v[3] = std::numeric_limits<float>::denorm_min();
            v[4] = std::numeric_limits<float>::max();
        }
        ab_error err{};
        ASSERT_EQ(ab_npy_write_f32(path.c_str(), v.data(), shape.size(), shape.data(), &err), 0)
            << err.msg;
        const Bytes file = slurp(path);
        ASSERT_GE(file.size(), 10u);
        EXPECT_EQ((10 + (file[8] | file[9] << 8)) % 64, 0u); // NumPy's alignment
        ab_tensor t;
        ASSERT_EQ(ab_npy_load(path.c_str(), &t, &err), 0) << err.msg;
        ASSERT_EQ(t.ndim, shape.size());
        for (size_t d = 0; d < shape.size(); d++)
            EXPECT_EQ(t.shape[d], shape[d]);
        ASSERT_EQ(t.count, n);
        ASSERT_NE(t.data, nullptr);
        for (size_t i = 0; i < n; i++)
            EXPECT_EQ(f32_bits(t.data[i]), f32_bits(v[i])) << i;
        ab_tensor_free(&t);
    }
    EXPECT_FALSE(has_temp_files(tmp_dir()));
}

TEST(Npy, WritesNumpyHeader)
{
    const std::string path = tmp_dir() + "/header.npy";
    const size_t shape[2] = {2, 3};
    const float v[6] = {1, 2, 3, 4, 5, 6};
    ab_error err{};
    ASSERT_EQ(ab_npy_write_f32(path.c_str(), v, 2, shape, &err), 0) << err.msg;
    const Bytes file = slurp(path);
    const Bytes expect = npy_image(1, "<f4", "(2, 3)", le_bytes(std::vector<float>(v, v + 6)));
    EXPECT_EQ(file, expect);
    const size_t shape1[1] = {3};
    ASSERT_EQ(ab_npy_write_f32(path.c_str(), v, 1, shape1, &err), 0) << err.msg;
    const Bytes file1 = slurp(path);
    EXPECT_EQ(file1, npy_image(1, "<f4", "(3,)", le_bytes(std::vector<float>(v, v + 3))));
    ASSERT_EQ(ab_npy_write_f32(path.c_str(), v, 0, nullptr, &err), 0) << err.msg;
    EXPECT_EQ(slurp(path), npy_image(1, "<f4", "()", le_bytes(std::vector<float>(v, v + 1))));
}

TEST(Npy, ParsesEveryDtype)
{
    const float inf = std::numeric_limits<float>::infinity();
    struct Case {
        std::string descr;
        Bytes data;
        std::vector<float> want;
    };
    const std::vector<Case> cases = {
        {"<f4", le_bytes(std::vector<float>{1.5f, -0.0f, inf}), {1.5f, -0.0f, inf}},
        {"<f2", le_bytes(std::vector<uint16_t>{0x3c00, 0xc000, 0x0001, 0x7bff}),
         {1.0f, -2.0f, std::ldexp(1.0f, -24), 65504.0f}},
        {"<f8", le_bytes(std::vector<double>{0.1, -1e300, 3.0}), {0.1f, -inf, 3.0f}},
        {"|i1", le_bytes(std::vector<int8_t>{-128, 127, 0}), {-128, 127, 0}},
        {"<i1", le_bytes(std::vector<int8_t>{-1, 5}), {-1, 5}},
        {"|u1", le_bytes(std::vector<uint8_t>{255, 0}), {255, 0}},
        {"<u1", le_bytes(std::vector<uint8_t>{7}), {7}},
        {"<i2", le_bytes(std::vector<int16_t>{-32768, 32767}), {-32768, 32767}},
        {"<u2", le_bytes(std::vector<uint16_t>{65535, 1}), {65535, 1}},
        {"<i4", le_bytes(std::vector<int32_t>{INT32_MIN, 16777217}), {-2147483648.0f, 16777216.0f}},
        {"<u4", le_bytes(std::vector<uint32_t>{4294967295u, 3}), {4294967296.0f, 3}},
        {"<i8", le_bytes(std::vector<int64_t>{INT64_MIN, -5}), {-9223372036854775808.0f, -5}},
        {"<u8", le_bytes(std::vector<uint64_t>{UINT64_MAX, 9}), {18446744073709551616.0f, 9}},
        {"|b1", Bytes{1, 0, 1}, {1, 0, 1}},
    };
    for (const Case &c : cases) {
        const std::string shape = "(" + std::to_string(c.want.size()) + ",)";
        const std::vector<float> got = load_npy(npy_image(1, c.descr, shape, c.data));
        ASSERT_EQ(got.size(), c.want.size()) << c.descr;
        for (size_t i = 0; i < got.size(); i++)
            EXPECT_EQ(f32_bits(got[i]), f32_bits(c.want[i])) << c.descr << " element " << i;
    }
}

TEST(Npy, HeaderVersions)
{
    const Bytes data = le_bytes(std::vector<float>{1, 2, 3, 4, 5, 6});
    for (int major : {1, 2, 3}) {
        std::vector<size_t> shape;
        const std::vector<float> got = load_npy(npy_image(major, "<f4", "(3, 2)", data), &shape);
        EXPECT_EQ(got, (std::vector<float>{1, 2, 3, 4, 5, 6})) << major;
        EXPECT_EQ(shape, (std::vector<size_t>{3, 2})) << major;
    }
}

TEST(Npy, ShapeForms)
{
    struct Case {
        std::string shape;
        std::vector<size_t> want;
    };
    for (const Case &c : std::vector<Case>{{"()", {}},
                                           {"(4,)", {4}},
                                           {"( 4 , )", {4}},
                                           {"(2, 2)", {2, 2}},
                                           {"(2,2,)", {2, 2}},
                                           {"(4L,)", {4}},
                                           {"(1, 4, 1)", {1, 4, 1}}}) {
        size_t n = 1;
        for (size_t d : c.want)
            n *= d;
        std::vector<size_t> shape;
        const Bytes img = npy_image(1, "<f4", c.shape, Bytes(4 * n, 0));
        load_npy(img, &shape);
        EXPECT_EQ(shape, c.want) << c.shape;
    }
    // Key order and quoting are NumPy's choice, not fixed.
    std::vector<size_t> shape;
    load_npy(npy_raw("{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<i2\"}\n",
                     Bytes(4, 0)),
             &shape);
    EXPECT_EQ(shape, std::vector<size_t>{2});
    // Fortran order is only a different layout with two or more dims.
    load_npy(npy_image(1, "<f4", "(3,)", Bytes(12, 0), "True"));
    // Zero-size arrays have no data.
    EXPECT_EQ(npy_error(npy_image(1, "<f4", "(0, 5)", Bytes())), "");
    EXPECT_EQ(npy_error(npy_image(1, "<f4", "(0, 18446744073709551615)", Bytes())), "");
}

TEST(Npy, RejectsBadInput)
{
    const Bytes f4x2 = le_bytes(std::vector<float>{1, 2});
    struct Case {
        Bytes img;
        std::vector<std::string> want; // substrings of the message
    };
    Bytes bad_magic = npy_image(1, "<f4", "(2,)", f4x2);
    bad_magic[1] = 'X';
    Bytes v4 = npy_image(1, "<f4", "(2,)", f4x2);
    v4[6] = 4;
    Bytes v1_1 = npy_image(1, "<f4", "(2,)", f4x2);
    v1_1[7] = 1;
    Bytes long_hlen = npy_image(1, "<f4", "(2,)", f4x2);
    long_hlen[8] = 0xff;
    long_hlen[9] = 0xff;
    Bytes long_hlen2 = npy_image(2, "<f4", "(2,)", f4x2);
    long_hlen2[11] = 0x80;
    const std::vector<Case> cases = {
        {bad_magic, {"x.npy", "magic"}},
        {v4, {"x.npy", "version 4.0"}},
        {v1_1, {"version 1.1"}},
        {long_hlen, {"header length 65535", "past the end"}},
        {long_hlen2, {"header length", "past the end"}},
        {npy_image(1, ">f4", "(2,)", f4x2), {"'>f4'", "big-endian"}},
        {npy_image(1, "<c8", "(2,)", f4x2), {"descr '<c8'", "not supported"}},
        {npy_image(1, "|f4", "(2,)", f4x2), {"descr '|f4'"}},
        {npy_image(1, "<f4", "(2, 1)", f4x2, "True"), {"fortran_order", "C order"}},
        {npy_image(1, "<f4", "(2,)", f4x2, "Maybe"), {"True or False"}},
        {npy_image(1, "<f4", "(2,)", Bytes(4, 0)), {"needs 8 data bytes", "file has 4"}},
        {npy_image(1, "<f4", "(2,)", Bytes(12, 0)), {"needs 8 data bytes", "file has 12"}},
        {npy_image(1, "<f4", "(2)", f4x2), {"(n,)"}},
        {npy_image(1, "<f4", "(-2,)", f4x2), {"non-negative integer", "'-'"}},
        {npy_image(1, "<f4", "[2]", f4x2), {"'('", "'['"}},
        {npy_image(1, "<f4", "(1, 1, 1, 1, 1, 1, 1, 1, 2)", f4x2), {"more than 8 dimensions"}},
        {npy_image(1, "<f4", "(99999999999999999999,)", f4x2), {"shape[0]", "does not fit"}},
        {npy_image(1, "<f4", "(4294967296, 4294967296, 2)", f4x2), {"too large"}},
        {npy_image(1, "|b1", "(2,)", Bytes{1, 2}), {"bool element 1", "0x02"}},
        {npy_raw("{'descr': '<f4', 'shape': (2,)}", f4x2), {"missing key 'fortran_order'"}},
        {npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", f4x2),
         {"unknown key 'x'"}},
        {npy_raw("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
                 f4x2),
         {"'descr' appears twice"}},
        {npy_raw("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", f4x2),
         {"structured"}},
        {npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", f4x2),
         {"only whitespace", "'x'"}},
        {npy_raw("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", f4x2),
         {"',' or '}'"}},
        {npy_raw("{'descr': '<f4\\n', 'fortran_order': False, 'shape': (2,)}", f4x2),
         {"without escapes"}},
        {npy_raw("{'descr: '<f4', 'fortran_order': False, 'shape': (2,)}", f4x2), {"byte"}},
        {npy_raw("", f4x2), {"'{'", "end of the header"}},
    };
    for (const Case &c : cases) {
        const std::string msg = npy_error(c.img);
        ASSERT_NE(msg, "") << c.want[0];
        for (const std::string &w : c.want)
            EXPECT_NE(msg.find(w), std::string::npos) << "want \"" << w << "\" in: " << msg;
    }
}

// Guards against checking the header length against the bytes after the
// magic instead of after the length field: a header length 1 .. lenbytes
// bytes past the end of the file (v1.0: 2-byte field, v2.0: 4-byte) must
// be refused as such, before the header is read.
TEST(Npy, HeaderLengthJustPastTheEndIsRefused)
{
    for (int major : {1, 2}) {
        const Bytes img = npy_image(major, "<f4", "(0,)", Bytes());
        const size_t lenbytes = major == 1 ? 2 : 4, hstart = 8 + lenbytes;
        for (size_t d = 1; d <= lenbytes; d++) {
            const size_t hlen = img.size() - hstart + d;
            Bytes bad(img.begin(), img.begin() + 8); // magic and version
            put_le(bad, hlen, static_cast<int>(lenbytes));
            bad.insert(bad.end(), img.begin() + static_cast<std::ptrdiff_t>(hstart), img.end());
            const std::string msg = npy_error(bad);
            EXPECT_NE(msg.find("header length " + std::to_string(hlen) + " runs past the end"),
                      std::string::npos)
                << "v" << major << " +" << d << ": " << msg;
        }
    }
}

TEST(Npy, EveryTruncationFails)
{
    for (int major : {1, 3}) {
        const Bytes img = npy_image(major, "<f2", "(3, 2)", Bytes(12, 0x3c));
        ASSERT_EQ(npy_error(img), "");
        for (size_t n = 0; n < img.size(); n++) {
            const std::string msg = npy_error(Bytes(img.begin(), img.begin() + n), "cut.npy");
            EXPECT_NE(msg.find("cut.npy: "), std::string::npos) << n << ": " << msg;
        }
    }
}

TEST(Npy, LoadErrorsNameThePath)
{
    ab_tensor t;
    ab_error err{};
    const std::string missing = tmp_dir() + "/does-not-exist.npy";
    EXPECT_EQ(ab_npy_load(missing.c_str(), &t, &err), -1);
    EXPECT_NE(std::string(err.msg).find(missing + ": cannot open"), std::string::npos) << err.msg;
    EXPECT_EQ(t.data, nullptr);
    ab_tensor_free(&t); // harmless after a failure
    uint8_t *buf = nullptr;
    size_t len = 0;
    EXPECT_EQ(ab_read_file(tmp_dir().c_str(), &buf, &len, &err), -1); // a directory
    EXPECT_EQ(buf, nullptr);
    EXPECT_NE(std::string(err.msg).find(tmp_dir()), std::string::npos) << err.msg;
}

TEST(Npy, FailedWriteLeavesNothing)
{
    const std::string dir = tmp_dir();
    const float v[2] = {1, 2};
    const size_t shape[1] = {2};
    ab_error err{};
    const std::string nodir = dir + "/no-such-dir/out.npy";
    EXPECT_EQ(ab_npy_write_f32(nodir.c_str(), v, 1, shape, &err), -1);
    EXPECT_NE(std::string(err.msg).find(nodir), std::string::npos) << err.msg;
    EXPECT_FALSE(fs::exists(dir + "/no-such-dir"));

    // A bad request keeps an existing file as it was.
    const std::string keep = dir + "/keep.npy";
    spit(keep, Bytes{'o', 'l', 'd'});
    const size_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    EXPECT_EQ(ab_npy_write_f32(keep.c_str(), v, 9, nine, &err), -1);
    EXPECT_NE(std::string(err.msg).find("dimensions"), std::string::npos) << err.msg;
    EXPECT_EQ(slurp(keep), (Bytes{'o', 'l', 'd'}));
    EXPECT_FALSE(has_temp_files(dir));
}

// ---- safetensors ------------------------------------------------------------

TEST(Safetensors, WriteParseRoundTrip)
{
    const std::string path = tmp_dir() + "/round.safetensors";
    const std::vector<float> w = {1.5f, -2.0f, 0.25f, 1e-40f, -0.0f, 3.0f};
    const std::vector<uint16_t> h = {0x3c00, 0x7c00, 0x8001};
    const std::vector<int8_t> q = {-8, 7, 0, 1};
    const Bytes flags = {1, 0};
    const std::vector<int32_t> scalar = {-42};
    const size_t w_shape[2] = {2, 3}, h_shape[1] = {3}, q_shape[2] = {2, 2}, f_shape[1] = {2},
                 e_shape[2] = {0, 3};
    const ab_st_write_entry tensors[] = {
        {"layer0.w", AB_DTYPE_F32, 2, w_shape, w.data()},
        {"h", AB_DTYPE_F16, 1, h_shape, h.data()},
        {"q:codes", AB_DTYPE_I8, 2, q_shape, q.data()},
        {"flags", AB_DTYPE_BOOL, 1, f_shape, flags.data()},
        {"scalar", AB_DTYPE_I32, 0, nullptr, scalar.data()},
        {"empty", AB_DTYPE_BF16, 2, e_shape, nullptr},
    };
    const char *keys[] = {"anybit", "note"};
    const char *values[] = {"{\"version\": \"1.0\", \"ops\": []}", "quote \" and \\ and \xc3\xa9"};
    ab_error err{};
    ASSERT_EQ(ab_safetensors_write(path.c_str(), tensors, 6, keys, values, 2, &err), 0)
        << err.msg;
    EXPECT_FALSE(has_temp_files(tmp_dir()));

    const Bytes file = slurp(path);
    ASSERT_GE(file.size(), 8u);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | file[i];
    EXPECT_EQ(hlen % 8, 0u);
    EXPECT_EQ(file.size(), 8 + hlen + 24 + 6 + 4 + 2 + 4);

    ab_safetensors st;
    ASSERT_EQ(ab_safetensors_open(path.c_str(), &st, &err), 0) << err.msg;
    ASSERT_EQ(st.ntensors, 6u);
    EXPECT_EQ(st.data_len, 40u);
    for (size_t i = 1; i < st.ntensors; i++)
        EXPECT_LE(st.tensors[i - 1].begin, st.tensors[i].begin);
    for (const ab_st_write_entry &t : tensors) {
        const ab_st_entry *e = ab_safetensors_find(&st, t.name);
        ASSERT_NE(e, nullptr) << t.name;
        EXPECT_EQ(e->dtype, t.dtype) << t.name;
        ASSERT_EQ(e->ndim, t.ndim) << t.name;
        size_t n = 1;
        for (size_t d = 0; d < t.ndim; d++) {
            EXPECT_EQ(e->shape[d], t.shape[d]);
            n *= t.shape[d];
        }
        ASSERT_EQ(e->end - e->begin, n * ab_dtype_size(t.dtype)) << t.name;
        if (n) {
            EXPECT_EQ(std::memcmp(st.data + e->begin, t.data, e->end - e->begin), 0) << t.name;
        }
    }
    EXPECT_EQ(ab_safetensors_find(&st, "nope"), nullptr);

    char *meta = ab_safetensors_metadata(&st, "anybit");
    ASSERT_NE(meta, nullptr);
    EXPECT_STREQ(meta, values[0]);
    std::free(meta);
    meta = ab_safetensors_metadata(&st, "note");
    ASSERT_NE(meta, nullptr);
    EXPECT_STREQ(meta, values[1]);
    std::free(meta);
    EXPECT_EQ(ab_safetensors_metadata(&st, "missing"), nullptr);

    ab_tensor t;
    ASSERT_EQ(ab_safetensors_to_tensor(&st, ab_safetensors_find(&st, "layer0.w"), &t, &err), 0);
    ASSERT_EQ(t.count, 6u);
    for (size_t i = 0; i < 6; i++)
        EXPECT_EQ(f32_bits(t.data[i]), f32_bits(w[i]));
    ab_tensor_free(&t);
    ASSERT_EQ(ab_safetensors_to_tensor(&st, ab_safetensors_find(&st, "h"), &t, &err), 0);
    EXPECT_EQ(t.data[0], 1.0f);
    EXPECT_TRUE(std::isinf(t.data[1]));
    EXPECT_EQ(t.data[2], -std::ldexp(1.0f, -24));
    ab_tensor_free(&t);
    ASSERT_EQ(ab_safetensors_to_tensor(&st, ab_safetensors_find(&st, "scalar"), &t, &err), 0);
    EXPECT_EQ(t.ndim, 0u);
    EXPECT_EQ(t.count, 1u);
    EXPECT_EQ(t.data[0], -42.0f);
    ab_tensor_free(&t);
    ASSERT_EQ(ab_safetensors_to_tensor(&st, ab_safetensors_find(&st, "empty"), &t, &err), 0);
    EXPECT_EQ(t.count, 0u);
    EXPECT_NE(t.data, nullptr);
    ab_tensor_free(&t);
    ab_safetensors_free(&st);

    // Writing the same thing again gives the same bytes.
    const std::string path2 = tmp_dir() + "/round2.safetensors";
    ASSERT_EQ(ab_safetensors_write(path2.c_str(), tensors, 6, keys, values, 2, &err), 0);
    EXPECT_EQ(slurp(path2), file);
}

TEST(Safetensors, ParsesHandBuiltFile)
{
    // Padded header, a gap in the data buffer, a zero-size tensor inside
    // another's range, entries listed out of order, no metadata.
    const std::string json =
        "{\"b\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[8,12]},"
        " \"z\":{\"dtype\":\"F64\",\"shape\":[0],\"data_offsets\":[1,1]},"
        " \"a\":{\"shape\":[1,2],\"data_offsets\":[0,4],\"dtype\":\"BF16\"}}   ";
    Bytes data = {0x80, 0x3f, 0x00, 0xc0, 0, 0, 0, 0, 0xff, 0xff, 0x02, 0x00};
    const Bytes img = st_image(json, data);
    uint8_t *p = static_cast<uint8_t *>(std::malloc(img.size()));
    std::memcpy(p, img.data(), img.size());
    ab_safetensors st;
    ab_error err{};
    ASSERT_EQ(ab_safetensors_parse(p, img.size(), "hand.safetensors", &st, &err), 0) << err.msg;
    ASSERT_EQ(st.ntensors, 3u);
    EXPECT_STREQ(st.tensors[0].name, "a");
    EXPECT_STREQ(st.tensors[1].name, "z");
    EXPECT_STREQ(st.tensors[2].name, "b");
    EXPECT_EQ(st.metadata_json, nullptr);
    EXPECT_EQ(ab_safetensors_metadata(&st, "anybit"), nullptr);
    ab_tensor t;
    ASSERT_EQ(ab_safetensors_to_tensor(&st, &st.tensors[0], &t, &err), 0) << err.msg;
    EXPECT_EQ(t.data[0], 1.0f);
    EXPECT_EQ(t.data[1], -2.0f);
    ab_tensor_free(&t);
    ASSERT_EQ(ab_safetensors_to_tensor(&st, &st.tensors[2], &t, &err), 0) << err.msg;
    EXPECT_EQ(t.data[0], 65535.0f);
    EXPECT_EQ(t.data[1], 2.0f);
    ab_tensor_free(&t);
    ab_safetensors_free(&st);

    // A shapes-only file (no tensors) is valid.
    EXPECT_EQ(st_error(st_image("{\"__metadata__\":{\"anybit\":\"{}\"}}", {})), "");
    EXPECT_EQ(st_error(st_image("{}", {})), "");
}

TEST(Safetensors, RejectsCorruption)
{
    const std::string w = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    const Bytes d8(8, 0);
    auto entry = [](const std::string &body) { return "{\"w\":{" + body + "}}"; };
    struct Case {
        Bytes img;
        std::vector<std::string> want;
    };
    Bytes absurd;
    put_le(absurd, 200000000, 8);
    absurd.resize(64, ' ');
    Bytes past;
    put_le(past, 100, 8);
    past.push_back('{');
    const std::vector<Case> cases = {
        {Bytes{1, 2, 3}, {"model.safetensors: ", "3 bytes", "8-byte header length"}},
        {absurd, {"header length 200000000", "limit"}},
        {past, {"header length 100", "past the end", "1 bytes follow"}},
        {st_image("{\"w\": ", d8), {"not valid JSON"}},
        {st_image("{" + w + "} x", d8), {"byte 63", "whitespace", "0x78"}},
        {st_image("[1, 2]", d8), {"header is an array", "expected a JSON object"}},
        {st_image("{\"w\": 3}", d8), {"tensor \"w\"", "expected an object", "a number"}},
        {st_image(entry("\"dtype\":5,\"shape\":[2],\"data_offsets\":[0,8]"), d8),
         {"tensor \"w\": dtype: expected a string, found a number"}},
        {st_image(entry("\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]"), d8),
         {"tensor \"w\": dtype \"F8_E4M3\" is not supported"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]"), d8),
         {"tensor \"w\": shape: expected an array, found a number"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[1,-2],\"data_offsets\":[0,8]"), d8),
         {"tensor \"w\": shape[1]", "non-negative integer", "found -2"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]"), d8),
         {"shape[0]", "found 1.5"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]"), d8),
         {"shape[0]", "found a string"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,8]"), d8),
         {"shape[0]", "found 1.0000000000000001e+300"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]"),
                  d8),
         {"shape has 9 dimensions", "at most 8"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
                        "\"data_offsets\":[0,8]"),
                  d8),
         {"tensor \"w\": shape [4294967296, 4294967296, 4294967296] x F32 overflows"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]"), d8),
         {"data_offsets: expected an array [begin, end], found an array of 3"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":\"0-8\""), d8),
         {"data_offsets: expected an array", "found a string"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,-8]"), d8),
         {"data_offsets[1]", "found -8"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]"), d8),
         {"data_offsets [8, 0]", "begin is after end"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]"), d8),
         {"data_offsets [0, 16] run past the end of the 8-byte data buffer"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[4,8],\"data_offsets\":[0,64]"), Bytes(64)),
         {"model.safetensors: tensor \"w\": data_offsets [0, 64] but shape [4, 8] x F32 needs "
          "128 bytes"}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1"), d8),
         {"tensor \"w\": unknown field \"extra\""}},
        {st_image(entry("\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]"),
                  d8),
         {"tensor \"w\": field \"dtype\" appears twice"}},
        {st_image(entry("\"shape\":[2],\"data_offsets\":[0,8]"), d8),
         {"tensor \"w\": missing field \"dtype\""}},
        {st_image(entry("\"dtype\":\"F32\",\"shape\":[2]"), d8),
         {"tensor \"w\": missing field \"data_offsets\""}},
        {st_image("{" + w + "," + w + "}", d8), {"tensor \"w\" appears twice"}},
        {st_image("{" + w + ",\"v\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[6,10]}}",
                  Bytes(10)),
         {"tensor \"v\": data_offsets [6, 10] overlap tensor \"w\" at [0, 8]"}},
        {st_image("{" + w + ",\"v\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}",
                  d8),
         {"overlap"}},
        {st_image("{\"__metadata__\":[\"a\"]," + w + "}", d8),
         {"__metadata__: expected an object of strings, found an array"}},
        {st_image("{\"__metadata__\":{\"k\":1}," + w + "}", d8),
         {"__metadata__ \"k\": expected a string, found a number"}},
        {st_image("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", {}),
         {"__metadata__ \"k\": key appears twice"}},
        {st_image("{\"__metadata__\":{},\"__metadata__\":{}}", {}), {"__metadata__ appears twice"}},
    };
    for (const Case &c : cases) {
        const std::string msg = st_error(c.img);
        ASSERT_NE(msg, "") << c.want[0];
        for (const std::string &s : c.want)
            EXPECT_NE(msg.find(s), std::string::npos) << "want \"" << s << "\" in: " << msg;
    }
    // BOOL bytes other than 0/1 are found when the tensor is converted.
    const std::string msg = st_error(
        st_image("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", Bytes{0, 1, 7}),
        "model.safetensors", true);
    EXPECT_NE(msg.find("model.safetensors: tensor \"m\": BOOL element 2"), std::string::npos)
        << msg;
}

// Guards against accepting data_offsets that span more bytes than the
// shape needs (only fewer were refused): [0, 12] for 2 x F32 = 8 bytes.
TEST(Safetensors, RejectsOffsetsSpanningMoreThanTheShape)
{
    const std::string msg = st_error(
        st_image("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", Bytes(12)));
    EXPECT_NE(msg.find("tensor \"w\": data_offsets [0, 12] but shape [2] x F32 needs 8 bytes"),
              std::string::npos)
        << msg;
}

TEST(Safetensors, EveryTruncationFails)
{
    const std::string path = tmp_dir() + "/cut.safetensors";
    const std::vector<float> w = {1, 2, 3, 4};
    const std::vector<uint16_t> h = {0x3c00, 0x4000};
    const size_t ws[2] = {2, 2}, hs[1] = {2};
    const ab_st_write_entry tensors[] = {{"w", AB_DTYPE_F32, 2, ws, w.data()},
                                         {"h", AB_DTYPE_F16, 1, hs, h.data()}};
    const char *keys[] = {"anybit"};
    const char *values[] = {"{\"version\":\"1.0\"}"};
    ab_error err{};
    ASSERT_EQ(ab_safetensors_write(path.c_str(), tensors, 2, keys, values, 1, &err), 0);
    const Bytes img = slurp(path);
    ASSERT_EQ(st_error(img, "cut.safetensors", true), "");
    for (size_t n = 0; n < img.size(); n++) {
        const std::string msg = st_error(Bytes(img.begin(), img.begin() + n), "cut.safetensors");
        EXPECT_NE(msg.find("cut.safetensors: "), std::string::npos) << n << ": " << msg;
    }
}

TEST(Safetensors, FailedWriteLeavesNothing)
{
    const std::string dir = tmp_dir();
    const float v[2] = {1, 2};
    const size_t shape[1] = {2};
    const ab_st_write_entry t[] = {{"w", AB_DTYPE_F32, 1, shape, v}, {"w", AB_DTYPE_F32, 1, shape, v}};
    ab_error err{};
    const std::string nodir = dir + "/no-such-dir/out.safetensors";
    EXPECT_EQ(ab_safetensors_write(nodir.c_str(), t, 1, nullptr, nullptr, 0, &err), -1);
    EXPECT_NE(std::string(err.msg).find(nodir), std::string::npos) << err.msg;
    EXPECT_FALSE(fs::exists(dir + "/no-such-dir"));

    const std::string keep = dir + "/keep.safetensors";
    spit(keep, Bytes{'o', 'l', 'd'});
    EXPECT_EQ(ab_safetensors_write(keep.c_str(), t, 2, nullptr, nullptr, 0, &err), -1);
    EXPECT_NE(std::string(err.msg).find("\"w\" given twice"), std::string::npos) << err.msg;
    const char *k[] = {"a", "a"}, *val[] = {"1", "2"};
    EXPECT_EQ(ab_safetensors_write(keep.c_str(), t, 1, k, val, 2, &err), -1);
    EXPECT_NE(std::string(err.msg).find("\"a\" given twice"), std::string::npos) << err.msg;
    const ab_st_write_entry meta_name[] = {{"__metadata__", AB_DTYPE_F32, 1, shape, v}};
    EXPECT_EQ(ab_safetensors_write(keep.c_str(), meta_name, 1, nullptr, nullptr, 0, &err), -1);
    EXPECT_EQ(slurp(keep), (Bytes{'o', 'l', 'd'}));
    EXPECT_FALSE(has_temp_files(dir));
}

// ---- ab_tensor_load -------------------------------------------------------------

TEST(TensorIo, LoadSpecs)
{
    const std::string dir = tmp_dir();
    const std::string npy = dir + "/spec.npy";
    const float v[3] = {1, 2, 3};
    const size_t s3[1] = {3};
    ab_error err{};
    ASSERT_EQ(ab_npy_write_f32(npy.c_str(), v, 1, s3, &err), 0);
    ab_tensor t;
    ASSERT_EQ(ab_tensor_load(npy.c_str(), &t, &err), 0) << err.msg;
    EXPECT_EQ(t.count, 3u);
    EXPECT_EQ(t.data[2], 3.0f);
    ab_tensor_free(&t);

    const std::string one = dir + "/one.safetensors";
    const ab_st_write_entry single[] = {{"only", AB_DTYPE_F32, 1, s3, v}};
    ASSERT_EQ(ab_safetensors_write(one.c_str(), single, 1, nullptr, nullptr, 0, &err), 0);
    ASSERT_EQ(ab_tensor_load(one.c_str(), &t, &err), 0) << err.msg;
    EXPECT_EQ(t.data[1], 2.0f);
    ab_tensor_free(&t);

    const std::string two = dir + "/two.safetensors";
    const int8_t q[3] = {-1, 0, 1};
    const ab_st_write_entry pair[] = {{"a:b", AB_DTYPE_F32, 1, s3, v},
                                      {"q", AB_DTYPE_I8, 1, s3, q}};
    ASSERT_EQ(ab_safetensors_write(two.c_str(), pair, 2, nullptr, nullptr, 0, &err), 0);
    ASSERT_EQ(ab_tensor_load((two + ":q").c_str(), &t, &err), 0) << err.msg;
    EXPECT_EQ(t.data[0], -1.0f);
    ab_tensor_free(&t);
    ASSERT_EQ(ab_tensor_load((two + ":a:b").c_str(), &t, &err), 0) << err.msg;
    EXPECT_EQ(t.data[0], 1.0f);
    ab_tensor_free(&t);

    EXPECT_EQ(ab_tensor_load(two.c_str(), &t, &err), -1);
    EXPECT_NE(std::string(err.msg).find("holds 2 tensors"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find(two + ":TENSOR"), std::string::npos) << err.msg;
    EXPECT_EQ(t.data, nullptr);
    EXPECT_EQ(ab_tensor_load((two + ":nope").c_str(), &t, &err), -1);
    EXPECT_NE(std::string(err.msg).find("no tensor named \"nope\""), std::string::npos)
        << err.msg;
    EXPECT_NE(std::string(err.msg).find("\"q\""), std::string::npos) << err.msg;
    EXPECT_EQ(ab_tensor_load((dir + "/missing.safetensors:w").c_str(), &t, &err), -1);
    EXPECT_NE(std::string(err.msg).find("missing.safetensors: cannot open"), std::string::npos)
        << err.msg;
    EXPECT_EQ(ab_tensor_load((dir + "/missing.npy").c_str(), &t, &err), -1);
}

// ---- half / bfloat16 ------------------------------------------------------------

TEST(TensorIo, HalfSpecialValues)
{
    const float inf = std::numeric_limits<float>::infinity();
    EXPECT_EQ(ab_half_to_float(0x3c00), 1.0f);
    EXPECT_EQ(ab_half_to_float(0x7bff), 65504.0f);
    EXPECT_EQ(ab_half_to_float(0x0400), std::ldexp(1.0f, -14));
    EXPECT_EQ(ab_half_to_float(0x03ff), std::ldexp(1023.0f, -24));
    EXPECT_EQ(ab_half_to_float(0x0001), std::ldexp(1.0f, -24));
    EXPECT_EQ(ab_half_to_float(0x7c00), inf);
    EXPECT_EQ(ab_half_to_float(0xfc00), -inf);
    EXPECT_TRUE(std::isnan(ab_half_to_float(0x7e00)));
    EXPECT_TRUE(std::isnan(ab_half_to_float(0xfc01)));
    EXPECT_TRUE(std::signbit(ab_half_to_float(0x8000)));
    EXPECT_EQ(ab_half_to_float(0x8000), 0.0f);
    EXPECT_EQ(ab_bf16_to_float(0x3f80), 1.0f);
    EXPECT_EQ(ab_bf16_to_float(0xff80), -inf);
    EXPECT_EQ(ab_bf16_to_float(0x0001), std::ldexp(1.0f, -133));
    EXPECT_TRUE(std::isnan(ab_bf16_to_float(0x7fc0)));
}

TEST(TensorIo, HalfAndBf16MatchFormatRegistry)
{
    ab_format fp16, bf16;
    ab_error err{};
    ASSERT_EQ(ab_format_parse("fp16", &fp16, &err), 0) << err.msg;
    ASSERT_EQ(ab_format_parse("bf16", &bf16, &err), 0) << err.msg;
    for (uint32_t code = 0; code < 65536; code++) {
        const uint16_t c = static_cast<uint16_t>(code);
        const double want_h = ab_format_decode(&fp16, code);
        const float got_h = ab_half_to_float(c);
        if (std::isnan(want_h))
            EXPECT_TRUE(std::isnan(got_h)) << "fp16 code " << code;
        else
            EXPECT_EQ(static_cast<double>(got_h), want_h) << "fp16 code " << code;
        const double want_b = ab_format_decode(&bf16, code);
        const float got_b = ab_bf16_to_float(c);
        if (std::isnan(want_b))
            EXPECT_TRUE(std::isnan(got_b)) << "bf16 code " << code;
        else
            EXPECT_EQ(static_cast<double>(got_b), want_b) << "bf16 code " << code;
        if (!std::isnan(want_h) && want_h == 0.0) {
            EXPECT_EQ(std::signbit(got_h), std::signbit(want_h)) << "fp16 code " << code;
        }
    }
}

} // namespace
