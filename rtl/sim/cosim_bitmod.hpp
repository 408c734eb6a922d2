// cosim_bitmod.hpp - the lock-step co-simulation driver and checker of the
// BitMoD PE RTL (rtl/pe_bitmod.v behind rtl/sim/rtl_pe_bitmod.h) against the
// bit-exact C model (kernels/bitmod_pe.h), shared by
// tests/test_cosim_bitmod.cpp and `anybit cosim --rtl pe_bitmod`
// (rtl/sim/rtl_cosim.cpp).  C++17, part of anybit_rtl.
//
// Every clock cycle the same stimulus goes to both: the RTL gets one
// ab_rtl_pe_bitmod_clock, the C model the calls dequant_begin,
// dequant_step, group_begin, step in that order (the RTL's documented
// per-cycle semantics).  After each cycle every registered field is compared
// (acc_exp/man/sign, dq_in_exp/in_man/scale_sign, dq_exp/man/sign), and on
// step cycles the combinational debug view of the cycle too (max_exp,
// delta[4], lane[4], bs_out, acc_sum, norm_shift, sig_conflict).
//
// Work-unit timing: a cycle of the stimulus may say that its edge ends a
// work unit (one output over its K) and how many cycles the C timing model
// (sim/pe/pe_bitmod.c's cycles() + dequant_cycles, through sim/pe/pe.h)
// gives it; the checker then reads the PE's own unit_done and unit_cycles
// (rtl/pe_bitmod.v "Work-unit timing") and a difference is a mismatch like
// any other.  On every other cycle unit_done must be low.
//
// At the first mismatch the checker stops, replays the stimulus from reset
// with an FST waveform open, and reports the cycle, the vector (group,
// format, step, inputs), every differing signal (name, RTL, C) and the
// waveform's path.
#ifndef AB_COSIM_BITMOD_HPP
#define AB_COSIM_BITMOD_HPP

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "accel/accel.h"
#include "bitmod_pe.h"
#include "bitmod_terms.h"
#include "format.h"
#include "rtl_pe_bitmod.h"
}

namespace ab_cosim_bitmod {

// One cycle of stimulus and where it belongs.
struct Cycle {
    ab_rtl_pe_bitmod_in in{};
    uint32_t group = 0;   // vector: which group ...
    uint32_t step = 0;    // ... and which of its compute cycles (0 when none)
    const char *fmt = nullptr; // the group's weight format, nullptr for raw terms
    uint64_t tile = 0;    // `anybit cosim --trace`: which output (m * N + n)
    // this cycle's edge ends work unit `unit`: the C timing model's cycles
    // for it, plus the stall cycles the stimulus inserted into it
    bool unit_end = false;
    uint64_t unit = 0;
    uint64_t unit_model = 0, unit_stalls = 0;
};

// A replayable cycle generator: calls emit for every cycle, in order, until
// emit returns false or the stimulus ends; every call produces the same
// cycles (the checker replays it to write the waveform).
using Emit = std::function<bool(Cycle &)>;
using Source = std::function<void(const Emit &)>;

// Which Verilated PE a run drives: the PE, or (test only) the one whose
// cycle counter starts late (FAULT_LATE_COUNT = 1, 4 lanes).
enum class Variant { Pe, LateCount };

// Dequantization of one finished group: begin, then one bit per cycle.
struct DqOp {
    bool begin;
    uint8_t v; // scale_sign for begin, scale bit otherwise
};

struct Diff {
    std::string name;
    long long rtl, c;
};

struct Report {
    bool ok = true;
    size_t cycle = 0;        // stimulus index of the first mismatch
    std::vector<Diff> diffs;
    std::string text;        // the whole human-readable report
    std::string fst;         // waveform of the failing run ("" when ok)
    size_t cycles_run = 0;
    double seconds = 0;      // the lock-step loop alone
    // work units whose end the stimulus marked, and their cycles summed:
    // as the RTL counted them (unit_cycles) and as the C side says
    uint64_t units = 0, rtl_unit_cycles = 0, model_unit_cycles = 0;
};


// Every weight format the PE supports (kernels/bitmod_terms.h), by name and
// parsed.
const std::vector<std::string> &formats();
const std::vector<ab_format> &parsed_formats();

// FP16 activation around a group's exponent centre (zeros, subnormals,
// normals near the centre, anywhere, exponent 31).
uint16_t random_act(std::mt19937_64 &rng, int centre);

// Groups of random weights of every supported format, scheduled as the
// hardware runs them: group_begin with the first step, the previous
// group's dequantization (random scale of 1..8 bits, random sign) behind
// the next group's steps, plus random bubbles and separate clear cycles.
// lanes: the PE's (rtl/pe_bitmod.v LANES; the C model's pe->lanes).
std::vector<Cycle> terms_stimulus(uint64_t seed, size_t min_cycles,
                                  unsigned lanes = AB_BITMOD_LANES);
// Random work units, streamed (memory does not grow with min_cycles):
// runs of 1..3 outputs of a random op (one supported weight format, an
// integer scale of 2..8 bits, 1..3 groups of 1..160 weights), in the
// hardware schedule of `anybit cosim --trace` (rtl/sim/rtl_cosim.cpp), with
// unit_begin, unit_last and scale_len driven and each unit's end marked with
// its C timing model cycles (ab_pe_prepare + ab_pe_cycles + dequant_cycles of
// the op) plus the stall cycles (nothing driven) the stream inserts at
// random, ~2% of cycles.  A run's last dequantization drains before the next
// op starts.  At least min_cycles cycles.
// Its weight groups count from 0 in Cycle::group.
Source random_units(uint64_t seed, uint64_t min_cycles, unsigned lanes = AB_BITMOD_LANES);

// Anything the ports can take (random activations, terms, controls).
std::vector<Cycle> raw_stimulus(uint64_t seed, size_t cycles, unsigned lanes = AB_BITMOD_LANES);

std::string describe(const Cycle &c, unsigned lanes = AB_BITMOD_LANES);
// The C model's side of one cycle, in the RTL's per-cycle order.
void c_cycle(ab_bitmod_pe &pe, const ab_rtl_pe_bitmod_in &in, ab_bitmod_cycle_info *info);
// Every field that differs between the RTL and the C model after a cycle
// (the lanes: c's).
std::vector<Diff> compare(const ab_rtl_pe_bitmod_state &r, const ab_bitmod_pe &c,
                          const ab_rtl_pe_bitmod_in &in, const ab_rtl_pe_bitmod_dbg &rd,
                          const ab_bitmod_cycle_info &ci);
// Replays stim[0 .. last] from reset with a waveform open.
bool write_waveform(const std::vector<Cycle> &stim, size_t last, bool literal,
                    const std::string &path, unsigned lanes = AB_BITMOD_LANES);
bool write_waveform(const Source &src, size_t last, bool literal, const std::string &path,
                    unsigned lanes = AB_BITMOD_LANES, Variant variant = Variant::Pe);
// A stored stimulus as a source.
Source vector_source(const std::vector<Cycle> &stim);

// Called after every cycle with the C model before and after it.
using Observer = std::function<void(const ab_bitmod_pe &before, const ab_bitmod_pe &after,
                                    const ab_rtl_pe_bitmod_in &in,
                                    const ab_bitmod_cycle_info &ci)>;
// Lock-step run of the PE of `lanes` lanes (ab_rtl_pe_bitmod_create_lanes,
// ab_bitmod_pe_init_lanes); on a mismatch the report's text names the
// cycle, the vector, the differing signals and the waveform written to
// fst_path.
Report lockstep(const std::vector<Cycle> &stim, bool literal, const std::string &fst_path,
                const Observer &observe = nullptr, unsigned lanes = AB_BITMOD_LANES);
// The same over a streamed source (the report describes the failing cycle
// from its copy; the waveform replays the source).
Report lockstep_stream(const Source &src, bool literal, const std::string &fst_path,
                       const Observer &observe = nullptr, unsigned lanes = AB_BITMOD_LANES,
                       Variant variant = Variant::Pe);
// RTL alone over the first max_cycles cycles of a source (made, and kept,
// before the clock starts): cycles per second, best of 3 passes.
double rtl_cycles_per_second(const Source &src, uint64_t max_cycles,
                             unsigned lanes = AB_BITMOD_LANES);
// RTL alone over the stimulus: cycles per second, best of `reps` passes.
double rtl_cycles_per_second(const std::vector<Cycle> &stim, int reps,
                             unsigned lanes = AB_BITMOD_LANES);

} // namespace ab_cosim_bitmod

#endif
