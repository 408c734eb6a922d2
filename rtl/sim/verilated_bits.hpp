// verilated_bits.hpp - reading and writing bit fields of Verilated ports,
// whatever their width: Verilator gives a port of up to 64 bits an integral
// type (CData/SData/IData/QData) and a wider one a VlWide<words>.  Shared by
// the shims of the parameterized models (pe_bitmod at every LANES, the
// arrays), whose port widths differ from model to model.
#ifndef ANYBIT_VERILATED_BITS_HPP
#define ANYBIT_VERILATED_BITS_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "verilated.h"

namespace anybit_rtl {

// Ports wider than 64 bits are VlWide arrays of 32-bit words; narrower ones
// are plain integers.  These move 32-bit word i in and out of either.
template <std::size_t W> void put_word(VlWide<W> &p, std::size_t i, uint32_t v)
{
    p.at(i) = v;
}
template <typename T>
std::enable_if_t<std::is_integral<T>::value> put_word(T &p, std::size_t i, uint32_t v)
{
    const unsigned sh = unsigned(32 * i);
    if (sh < 8 * sizeof(T))
        p = T((uint64_t(p) & ~(uint64_t(0xffffffffu) << sh)) | (uint64_t(v) << sh));
}
template <std::size_t W> uint32_t get_word(const VlWide<W> &p, std::size_t i)
{
    return p.at(i);
}
template <typename T>
std::enable_if_t<std::is_integral<T>::value, uint32_t> get_word(const T &p, std::size_t i)
{
    const unsigned sh = unsigned(32 * i);
    return sh < 8 * sizeof(T) ? uint32_t(uint64_t(p) >> sh) : 0u;
}

// bits [lo, lo + n) of a port, n <= 32
template <typename T> uint32_t field(const T &port, unsigned lo, unsigned n)
{
    const unsigned w = lo / 32, b = lo % 32;
    uint64_t v = get_word(port, w);
    if (b + n > 32)
        v |= uint64_t(get_word(port, w + 1)) << 32;
    return uint32_t((v >> b) & ((uint64_t(1) << n) - 1u));
}

// A packed input value of up to 256 bits, built field by field, then
// stored into a port of any width.
struct Bits {
    std::array<uint32_t, 8> w{};
    // width <= 32: a field spans at most two words
    void put(unsigned off, unsigned width, uint64_t v)
    {
        const uint64_t x = (v & ((uint64_t(1) << width) - 1u)) << (off % 32);
        w[off / 32] |= uint32_t(x);
        if (off % 32 + width > 32)
            w[off / 32 + 1] |= uint32_t(x >> 32);
    }
};

template <class T> std::enable_if_t<std::is_integral<T>::value> store(T &port, const Bits &b)
{
    port = T(uint64_t(b.w[0]) | (uint64_t(b.w[1]) << 32));
}

template <std::size_t N> void store(VlWide<N> &port, const Bits &b)
{
    static_assert(N <= 8, "Bits holds 256 bits");
    for (std::size_t i = 0; i < N; i++)
        port.at(i) = b.w[i];
}

inline int32_t sext(uint64_t v, unsigned bits)
{
    const uint64_t m = (uint64_t(1) << bits) - 1u;
    const uint64_t sign = uint64_t(1) << (bits - 1);
    return int32_t(int64_t((v & m) ^ sign) - int64_t(sign));
}

// The term of kernels/bitmod_terms.h as the RTL packs it: {sig[2:0], man, exp[1:0], sign}.
template <class Term> unsigned term_bits(const Term &x)
{
    return (x.sign & 1u) | ((x.exp & 3u) << 1) | ((x.man & 1u) << 3) | ((x.sig & 7u) << 4);
}

} // namespace anybit_rtl

#endif
