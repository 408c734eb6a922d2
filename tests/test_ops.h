// test_ops.h - building ops (workload.h) in tests: one GEMM-shaped op with
// its formats, the way traces and workloads carry them; an accelerator
// whose memory never limits.
#ifndef ANYBIT_TEST_OPS_H
#define ANYBIT_TEST_OPS_H

#include <cstdio>
#include <cstring>

extern "C" {
#include "accel/accel.h"
#include "workload/workload.h"
}

namespace anybit_test {

inline ab_op make_op(const char *name, ab_op_kind kind, uint64_t M, uint64_t N, uint64_t K,
                     const char *wf, const char *sf, uint32_t group, const char *af = "fp16")
{
    ab_op op;
    std::memset(&op, 0, sizeof op);
    std::snprintf(op.name, sizeof op.name, "%s", name);
    op.kind = kind;
    op.M = M;
    op.N = N;
    op.K = K;
    op.count = 1;
    op.weight_share = 1;
    std::snprintf(op.weight_format, sizeof op.weight_format, "%s", wf);
    std::snprintf(op.act_format, sizeof op.act_format, "%s", af);
    std::snprintf(op.acc_format, sizeof op.acc_format, "fp32");
    std::snprintf(op.scale_format, sizeof op.scale_format, "%s", sf);
    op.group_size = group;
    return op;
}

// An accelerator of kind k where memory never limits: DRAM of unbounded
// bandwidth and no latency, buffers that hold any test op in one tile with
// ports wider than any tile's reads.
// A seeded splitmix64 stream for the random-configuration tests.
struct Rng {
    uint64_t s;
    uint64_t next()
    {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint64_t in(uint64_t lo, uint64_t hi) { return lo + next() % (hi - lo + 1); }
};

inline ab_accel roomy_accel(ab_pe_kind k)
{
    ab_accel a;
    ab_accel_default(k, &a);
    a.dram.bytes_per_cycle = 1e6;
    a.dram.latency_cycles = 0;
    for (ab_sram_cfg *b : {&a.wbuf, &a.abuf, &a.obuf}) {
        b->bytes = 64ull << 20;
        b->bank_bytes_per_cycle = 1u << 16;
    }
    return a;
}

} // namespace anybit_test

#endif
