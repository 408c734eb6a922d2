// cosim_btc.hpp - the lock-step co-simulation driver and checker of the
// binary tensor core PE RTL (rtl/pe_btc.v behind rtl/sim/rtl_pe_btc.h),
// shared by tests/test_cosim_btc.cpp and `anybit cosim --rtl pe_btc`
// (rtl/sim/rtl_cosim.cpp).  C++17, part of anybit_rtl.
//
// Models it checks against:
//   values  kernels/gemm_bitplane.h (ab_bp_gemm, wrapped with
//           ab_bp_wrap_int32), per output tile and weight group;
//   timing  sim/pe/pe_btc.c through sim/pe/pe.h: its cycles() for the work unit,
//           and its per-cycle stepper advanced with the RTL, whose plane
//           pair / k step counters must name the pair the controller feeds.
//
// The controller (the plane-pair sequencer an accelerator puts around the
// PE) is `drive`: per output tile (tile_m x tile_n outputs, row-major over
// the problem), per weight-group piece of K, per tile_k step of the piece,
// per activation plane i (0..q-1), per weight plane j (0..p-1, fastest) one
// cycle with the two plane tiles, shift = i + j, negate = [signed X and
// i = q-1] XOR [signed W and j = p-1], clear on the piece's first cycle;
// bin x bin runs in XOR mode (p = q = 1, k_valid = the step's valid K).
// Rows and K beyond the problem are zero padding.
//
// Work-unit timing: the controller drives unit_begin on an output tile's
// first cycle and unit_last on its last, and marks that last cycle with
// sim/pe/pe_btc.c's cycles() for the tile; the checker then reads the PE's
// own unit_done and unit_cycles (rtl/pe_btc.v "Work-unit timing") and a
// difference is a mismatch; on every other cycle unit_done must be low.
//
// Every cycle the checker also compares the RTL's popcounts and all M x N
// accumulators with a C shadow of the datapath fed the same tiles (plane
// weight from ab_bp_plane_weight, arithmetic mod 2^32), so a fault is
// caught at the cycle it happens.  At the first mismatch it stops, replays
// the stimulus from reset with an FST waveform open, and reports the cycle,
// the vector (problem, output tile, group piece, k step, plane pair), the
// inputs, every differing signal (name, RTL, C) and the waveform's path.
#ifndef AB_COSIM_BTC_HPP
#define AB_COSIM_BTC_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "accel/accel.h"
#include "gemm_bitplane.h"
#include "pe/pe.h"
#include "rtl_pe_btc.h"
}

namespace ab_cosim_btc {

struct Dims {
    unsigned m = 0, n = 0, k = 0, pcw = 0;
    size_t kw = 0; // uint64 words per tile row
};

struct RtlDeleter {
    void operator()(ab_rtl_pe_btc *p) const { ab_rtl_pe_btc_destroy(p); }
};

using Rtl = std::unique_ptr<ab_rtl_pe_btc, RtlDeleter>;

struct Problem {
    unsigned p = 1, q = 1;                        // weight, activation planes
    ab_bp_kind wk = AB_BP_UNSIGNED, xk = AB_BP_UNSIGNED;
    size_t M = 1, N = 1, K = 1;
    uint32_t group = 0;                           // 0: per-channel (one group)
    std::vector<uint8_t> X, W;                    // codes [M][K], [N][K]
    // derived
    std::vector<uint64_t> xp, wp;                 // packed planes (ab_bp_pack)
    size_t kwp = 0;
    ab_pe_op po{};
    bool xor_mode() const { return wk == AB_BP_PM1 && xk == AB_BP_PM1; }
};

struct Where {
    size_t problem = 0, tile_m = 0, tile_n = 0, piece = 0, kstep = 0;
    unsigned i = 0, j = 0;
    bool raw = false; // RawControls: no schedule
};

struct Cycle {
    ab_rtl_pe_btc_in in{};
    std::vector<uint64_t> x, w; // tile rows (owned; in.x / in.w point here)
    Where where;
    const Problem *prob = nullptr; // the problem where.problem names (nullptr: raw)
    // this cycle's edge ends work unit `unit` (an output tile), which
    // sim/pe/pe_btc.c's cycles() gives unit_model cycles
    bool unit_end = false;
    uint64_t unit = 0, unit_model = 0;
};

// The C shadow of the datapath, fed the same tiles.
struct Shadow {
    Dims d;
    std::vector<uint32_t> acc, popc;
    explicit Shadow(const Dims &dd) : d(dd), acc(size_t(dd.m) * dd.n, 0), popc(acc.size(), 0) {}
    void clock(const Cycle &c)
    {
        const ab_rtl_pe_btc_in &in = c.in;
        for (unsigned r = 0; r < d.m; r++)
            for (unsigned s = 0; s < d.n; s++) {
                uint32_t pc = 0;
                for (size_t w = 0; w < d.kw; w++) {
                    const uint64_t a = c.x[r * d.kw + w], b = c.w[s * d.kw + w];
                    pc += uint32_t(__builtin_popcountll(in.xor_mode ? a ^ b : a & b));
                }
                const size_t idx = size_t(r) * d.n + s;
                popc[idx] = pc;
                const uint32_t term = in.xor_mode ? in.k_valid - 2u * pc : pc;
                const uint32_t mag = term << in.shift;
                const uint32_t add = in.negate ? 0u - mag : mag;
                // (fault_flip is ignored: the shadow is the fault-free datapath)
                acc[idx] = (in.clear ? 0u : acc[idx]) + (in.valid ? add : 0u);
            }
    }
};

// Calls emit(cycle) for every cycle of the problems, in sim/pe/pe_btc.c's
// order; checks the model's stepper against the schedule and the cycle
// count against the model's cycles() (failures go to *timing_error, the
// first one only, with the cycle index).  Returns false when emit asks to
// stop.
struct TimingError {
    bool set = false;
    uint64_t cycle = 0;
    std::string msg;
};

struct Fault {
    bool on = false;
    uint64_t cycle = 0;  // index of the driven cycle (0 = first after reset)
    uint32_t acc = 0;
    uint8_t bit = 0;
};

struct Report {
    bool ok = true;
    uint64_t cycle = 0;
    std::string msg;
    std::vector<std::string> signals; // names of the differing signals
    std::string fst;
    uint64_t cycles = 0, out_tiles = 0, pieces = 0, gemm_checks = 0;
    double seconds = 0;
    // work units whose end the stimulus marked, and their cycles summed:
    // as the RTL counted them (unit_cycles) and as sim/pe/pe_btc.c says
    uint64_t units = 0, rtl_unit_cycles = 0, model_unit_cycles = 0;
};

// Replays `source` (a deterministic cycle generator) into a fresh model
// through cycle `upto`, with a waveform open for the last kWaveCycles
// cycles (every cycle of this PE traces ~40 000 bits: a whole long run
// would take seconds and tens of MB).  FST times stay absolute.
constexpr uint64_t kWaveCycles = 1000;

Rtl make_rtl();
Dims dims_of(const ab_rtl_pe_btc *pe);
// The Verilated model's tile (read once).
const Dims &dims();

std::string kind_name(ab_bp_kind k, unsigned bits);
std::string describe(const Problem &pr);
// The accelerator the PE model is asked about: the btc preset with the
// Verilated tile.
ab_accel accel_for(const Dims &d);
// Pack, and resolve p, q, the group and the cycle rule through the PE
// model's own prepare (so the formats' plane counts come from
// sim/pe/pe_btc.c).  false with *error set when the model rejects it.
bool finish(Problem &pr, const ab_accel &a, std::string *error);
// bits [k0, k0 + kc) of a packed row into out[0 .. kw) (zero beyond kc).
void extract(const uint64_t *row, size_t k0, size_t kc, uint64_t *out, size_t kw);

// Calls emit(cycle) for every cycle of the problems (the first max_tiles
// output tiles), in sim/pe/pe_btc.c's order; checks the model's stepper
// against the schedule and the cycle count against the model's cycles()
// (failures go to *terr, the first one only, with the cycle index).
// Returns false when emit asks to stop.
// Where::problem and the units count from first_problem and first_unit
// (a streamed source drives one problem at a time).
bool drive(const std::vector<Problem> &probs, const ab_accel &a, const Dims &d,
           const std::function<bool(Cycle &)> &emit, TimingError *terr,
           uint64_t max_tiles = UINT64_MAX, size_t first_problem = 0, uint64_t first_unit = 0);

std::string acc_name(const Dims &d, size_t idx);
std::string where_text(const Problem *pr, const Where &w);
std::string inputs_text(const ab_rtl_pe_btc_in &in);
// Exact per-group results of a problem: ys[group][M*N] from ab_bp_gemm over
// the group's K slice, wrapped to int32.
std::vector<std::vector<int32_t>> group_results(const Problem &pr);

using Source = std::function<void(const std::function<bool(Cycle &)> &)>;
bool write_waveform(const Source &source, const Fault &fault, uint64_t upto,
                    const std::string &path);
// Lock-step run of a cycle source; `probs` (may be empty for raw stimulus)
// gives the per-piece ab_bp_gemm checks.
Report lockstep(const std::vector<Problem> &probs, const Source &source, const Fault &fault,
                const std::string &fst_path);
// The problems' cycles through the controller, as a replayable source; the
// timing checks land in *terr (first error only).
Source problem_source(const std::vector<Problem> &probs, const ab_accel &a, TimingError *terr,
                      uint64_t max_tiles = UINT64_MAX);

// Random WpAq problems (p, q = 1..8, signed/unsigned, bin x bin; K mostly
// not a multiple of tile_k; per-channel and grouped) of at least
// min_cycles cycles in all, from a seed.
uint8_t random_code(std::mt19937_64 &rng, unsigned bits, int style);
Problem random_problem(std::mt19937_64 &rng, const Dims &d, const ab_accel &a);
std::vector<Problem> random_problems(uint64_t seed, uint64_t min_cycles, const ab_accel &a);
// The same problems streamed: generated one at a time as the source runs
// (memory does not grow with min_cycles), through the controller; timing
// checks land in *terr as for problem_source.
Source random_problem_source(uint64_t seed, uint64_t min_cycles, const ab_accel &a,
                             TimingError *terr);

} // namespace ab_cosim_btc

#endif
