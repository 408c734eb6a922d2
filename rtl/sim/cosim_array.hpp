// cosim_array.hpp - the lock-step co-simulation driver and checker of the
// BitMoD PE array (rtl/array_bitmod.v behind rtl/sim/rtl_array_bitmod.h)
// against the C models, shared by tests/test_cosim_array.cpp,
// `anybit cosim --rtl array` (rtl/sim/rtl_cosim.cpp) and
// bench/bench_cosim.cpp.  C++17, part of anybit_rtl.
//
// Models it checks against:
//   values  one C PE (kernels/bitmod_pe.h) per array PE, driven by this
//           file's own schedule of the documented controller timing
//           (docs/rtl.md, "Array"); after every clock all 9 registered
//           fields of every PE are compared, and each group result the
//           array reports (out_valid) is compared with ab_bitmod_pe_group
//           run on the same codes, activations and scale (an independent
//           call path: padding, term order, dequantization);
//   timing  the tile's working cycles (start to done) must equal the C
//           rule, ab_pe_cycles (sim/pe/pe.h, the bitmod model of
//           sim/pe/pe_bitmod.c: per group max(ceil(len/4) * cpw, scale bits))
//           plus the engine's delay of the last group's dequantization.
//
// At the first mismatch the checker stops, replays the tile from reset with
// an FST waveform open, and names the cycle, the PE and every differing
// signal.
#ifndef AB_COSIM_ARRAY_HPP
#define AB_COSIM_ARRAY_HPP

#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "accel/accel.h"
#include "bitmod_pe.h"
#include "format.h"
#include "pe/pe.h"
#include "rtl_array_bitmod.h"
#include "values/values_op.h"
}

namespace ab_cosim_array {

// One tile: R x C outputs over G groups of L weights (the array's buffers
// hold G * ceil(L/4) steps).  PE (r, c) computes output row r, column c.
struct Tile {
    unsigned model = 0;               // the Verilated array it is for (rtl_array_bitmod.h)
    unsigned lanes = AB_BITMOD_LANES; // its PEs' lanes
    unsigned R = 0, C = 0;            // rows / columns used (the array's)
    unsigned G = 0, L = 0, S = 0;     // groups, group length, steps per group
    unsigned cpw = 0, dq = 0;         // term cycles per step (controller), scale bits
    std::vector<ab_format> fmt;       // [r][g]
    std::vector<uint32_t> codes;      // [r][G*L]
    std::vector<uint16_t> act;        // [c][G*L]
    std::vector<uint32_t> scale;      // [r][G]
    std::vector<uint8_t> ssign;       // [r][G]
    std::string what;                 // for messages
};

struct Fault {
    bool on = false;
    uint64_t cycle = 0; // working cycle (0 = the first after start)
    unsigned row = 0, col = 0;
};

struct Report {
    bool ok = true;
    std::string msg;
    uint64_t cycle = 0;              // working cycle of the first mismatch
    int pe_row = -1, pe_col = -1;
    std::vector<std::string> signals;
    std::string fst;
    uint64_t cycles = 0;             // working cycles of the tile (RTL)
    uint64_t pe_steps = 0;           // PE compute cycles checked
    uint64_t pad_cycles = 0;         // slot cycles where the dequantizer paced the PE
    uint64_t idle_terms = 0;         // row-cycles with an invalid term (mixed cpw)
    uint64_t group_checks = 0;       // group results compared with ab_bitmod_pe_group
    std::vector<double> group_value; // [r][c][g] dequantized values (RTL)
};

// A Verilated array's size and lanes (fixed when it is Verilated; model 0
// is the one `anybit cosim --rtl array` runs).
const ab_rtl_array_dims &dims(unsigned model = 0);

// One C PE per PE of the tile's array, of its lanes, in reset state.
std::vector<ab_bitmod_pe> c_pes(const Tile &t, bool literal);

// Random tile: random group count and length (a quarter 128), one format
// for the whole tile or (half the tiles) a random format per row and group
// (the tile's cpw is then the maximum, rows with fewer terms idle), random
// FP16 activations, random 1..6-bit scales with random signs.
Tile random_tile(std::mt19937_64 &rng, unsigned model, uint64_t index);
// The same for an array of any dims d (a board's: fpga/host/fpga_run.cpp);
// model 0's dims give exactly the tiles above.  t.model is left 0.
Tile random_tile(std::mt19937_64 &rng, const ab_rtl_array_dims &d, uint64_t index);

// A tile's buffer words as rtl/array_bitmod.v's buffers hold them (the
// words run_tile writes, docs/rtl.md "Buffers"): per row, for each step
// (g * S + s) the term slots 0 .. cpw - 1, word {valid, lanes x 7-bit
// terms {sig[2:0], man, exp[1:0], sign}} at address step * 4 + term (a
// slot past the row's own format's terms: zero terms, valid 0); per
// column each step's lanes FP16 activations (zeros past a group's end);
// per row and group {sign, 16-bit scale}.  lanes <= 4 (a term word fits
// 32 bits); 0, or -1 with *err naming the first code ab_bitmod_terms refuses.
struct TileBuffers {
    unsigned words_per_step = 0;  // = cpw
    std::vector<uint32_t> terms;  // [r][g*S+s][term], cpw terms per step
    std::vector<uint16_t> act;    // [c][g*S+s][lane]
    std::vector<uint32_t> scale;  // [r][g]
};
int tile_buffers(const Tile &t, TileBuffers *b, std::string *err);

// Working cycles of a tile by the C rule: the PE model's cycles for the
// work unit (one output-stationary pass over K = G * L, at the tile's cpw)
// plus the last group's dequantization, which the engine adds as the
// output delay.  a: a bitmod accelerator (taken with the tile's lanes).
uint64_t c_rule_cycles(const ab_accel &a, const Tile &t);

// Load the tile into the array's buffers, start it, and run it in lock
// step with one C PE per array PE.  cpes persist across tiles (as the
// RTL's PEs do).
Report run_tile(ab_rtl_array_bitmod *m, std::vector<ab_bitmod_pe> &cpes, const Tile &t,
                bool literal, const Fault &fault);

// Run a tile on a fresh model of t.model; on a mismatch replay it with an FST
// waveform open at fst_path and add the path to the report.
Report check_tile(const Tile &t, bool literal, const Fault &fault, const std::string &fst_path);

// The tiles of a trace op (v: its decoded values, po: ab_pe_prepare's view
// of it): output-stationary, rows = output channels n, columns = tokens m,
// K cut into chunks of whole groups that fit the buffers; tile index i runs
// k-chunks fastest, then column blocks, then row blocks, so an output's
// chunks are consecutive.  Rows past N get zero codes (the first row's
// formats) and zero scales, columns past M zero activations.
struct OpTiling {
    size_t row_blocks = 0, col_blocks = 0, k_chunks = 0;
    unsigned groups_per_chunk = 0;
    uint64_t tiles() const { return uint64_t(row_blocks) * col_blocks * k_chunks; }
};
// 0, or -1 with err naming what does not fit (a group longer than the
// activation buffer, a cpw the controller cannot run, a scale too wide).
int op_tiling(const ab_vop &v, const ab_pe_op &po, unsigned model, OpTiling *t, ab_error *err);
int op_tiling(const ab_vop &v, const ab_pe_op &po, const ab_rtl_array_dims &d, OpTiling *t,
              ab_error *err);
// The i-th tile, with n0 / m0 / g0 where it starts.
struct OpTile {
    Tile t;
    size_t n0 = 0, m0 = 0, g0 = 0;
};
OpTile op_tile(const ab_vop &v, const ab_pe_op &po, unsigned model, const OpTiling &tl,
               uint64_t i);
// ... for an array of dims d (t.model left 0)
OpTile op_tile(const ab_vop &v, const ab_pe_op &po, const ab_rtl_array_dims &d,
               const OpTiling &tl, uint64_t i);

// The Verilated array alone running the tile again and again (buffers
// loaded once): clocks per second over at least min_seconds, the start
// clock counted.
double rtl_cycles_per_second(const Tile &t, double min_seconds);

} // namespace ab_cosim_array

#endif
