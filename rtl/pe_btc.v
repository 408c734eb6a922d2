// pe_btc.v - one binary tensor core PE (ABQ-LLM, AAAI'25): per cycle one
// M x N x K binary MMA (AND + popcount, or XOR + popcount for {-1,+1}
// encodings) of one activation bit-plane tile by one weight bit-plane tile,
// shift-added with the plane pair's weight into M x N int32 accumulators.
//
// The arithmetic is kernels/gemm_bitplane.h's (ab_bp_gemm); the timing is
// sim/pe/pe_btc.c's (one plane pair per cycle, j fastest, then i, per tile_k
// step: p*q cycles per k step).  The plane-pair sequencer lives outside the
// PE (the controller; in the co-simulation, tests/test_cosim_btc.cpp).
// Lock-step co-simulated by tests/test_cosim_btc.cpp.  Full description:
// docs/rtl.md, section "pe_btc".
//
// ---- Operands ---------------------------------------------------------------
// x_tile[K*m +: K]  row m (0..M-1) of the activation plane tile, bit k = K
//                   index k of the tile's k step (zero beyond the valid K)
// w_tile[K*n +: K]  row n (0..N-1) of the weight plane tile, likewise
// acc[32*(m*N+n) +: 32]  accumulator of output (m, n), two's complement
// dbg_popc[PCW*(m*N+n) +: PCW]  this cycle's popcount of output (m, n)
//
// ---- Per cycle ----------------------------------------------------------------
// term(m,n) = xor_mode ? k_valid - 2*popc(x_m XOR w_n)
//                      : popc(x_m AND w_n)
// add(m,n)  = (negate ? -1 : +1) * (term << shift)          (mod 2^32)
// at the edge: acc = (clear ? 0 : acc) + (valid ? add : 0)  (mod 2^32)
// So the plane weight c_ij = (-1)^negate * 2^shift with shift = i + j and
// negate = [signed X and i = q-1] XOR [signed W and j = p-1]; an output
// (or a weight group's partial) starts with clear together with its first
// valid cycle, so a group piece costs exactly its p*q*ceil(len/K) cycles.
// k_valid only matters in XOR mode (the zero padding XORs to zero).
//
// ---- Timing -----------------------------------------------------------------
// One cycle per plane pair, no pipeline.  Inputs are sampled at the rising
// edge of clk; acc shows the result right after that edge.  dbg_popc is
// combinational: the popcounts of the tiles being presented (AND or XOR
// per xor_mode), i.e. of the cycle the next edge commits.  rst_n is
// synchronous, active low: an edge with rst_n low zeroes every accumulator
// and ignores the other inputs (synchronous so the Yosys area flow's
// dfflegalize to plain D flip-flops works, as for pe_bitmod).
//
// ---- Work-unit timing -------------------------------------------------------
// The PE counts the cycles of its own work units (one tile_m x tile_n output
// tile over its K).  unit_begin marks a unit's first cycle (with its first
// clear), unit_last its last binary MMA.  At the edge of the unit_last
// cycle unit_done goes high for one cycle and unit_cycles holds the unit's
// cycles (until the next unit_done): the edges from the unit_begin edge
// through the unit_last edge, both counted, stalls (valid low) included,
// mod 2^32; acc then holds the tile's result.  UNIT_COUNTER = 1 builds the
// counter (the Verilated model); 0, the default, ties the outputs to 0 (as
// pe_bitmod).  FAULT_LATE_COUNT = 1 (test only) starts it one cycle late.
//
// fault_flip, fault_acc, fault_bit are for the co-simulation checker's
// self-test: tie fault_flip to 0.  While fault_flip is high the edge XORs
// bit fault_bit of accumulator fault_acc (= m*N + n) into its new value.
`default_nettype none

module pe_btc #(
    parameter integer M = 8,
    parameter integer N = 8,
    parameter integer K = 128,
    parameter integer UNIT_COUNTER = 0,         // 1: count work units' cycles
    parameter integer FAULT_LATE_COUNT = 0,     // test only: 1 starts unit_cycles late
    parameter integer PCW = $clog2(K + 1),      // popcount / k_valid width
    parameter integer FAW = $clog2(M * N + 1)   // fault_acc width
) (
    input  wire               clk,
    input  wire               rst_n,
    input  wire               valid,       // a binary MMA this cycle
    input  wire               clear,       // start of an output / group partial
    input  wire [M*K-1:0]     x_tile,      // activation plane tile, M rows x K bits
    input  wire [N*K-1:0]     w_tile,      // weight plane tile, N rows x K bits
    input  wire [3:0]         shift,       // i + j
    input  wire               negate,      // the plane pair's weight is negative
    input  wire               xor_mode,    // {-1,+1} x {-1,+1}: K_valid - 2 popc(x XOR w)
    input  wire [PCW-1:0]     k_valid,     // valid K of this k step (XOR mode)
    input  wire               unit_begin,  // first cycle of a work unit (output tile)
    input  wire               unit_last,   // its last MMA cycle
    input  wire               fault_flip,  // test only, tie to 0
    input  wire [FAW-1:0]     fault_acc,   // test only
    input  wire [4:0]         fault_bit,   // test only
    output wire [M*N*32-1:0]  acc,
    output wire [M*N*PCW-1:0] dbg_popc,
    output wire               unit_done,   // one cycle: acc holds the unit's result
    output wire [31:0]        unit_cycles  // the finished unit's cycles
);
    // ---- work-unit timing: cycles of the running unit, through the last edge
    generate
        if (UNIT_COUNTER != 0) begin : g_unit_counter
            localparam [31:0] COUNT_FIRST = (FAULT_LATE_COUNT != 0) ? 32'd0 : 32'd1;
            reg  [31:0] run_count;
            reg         r_done;
            reg  [31:0] r_cycles;
            wire [31:0] count_now = unit_begin ? COUNT_FIRST : run_count + 32'd1;
            always @(posedge clk) begin
                if (!rst_n) begin
                    run_count <= 32'd0;
                    r_done    <= 1'b0;
                    r_cycles  <= 32'd0;
                end else begin
                    run_count <= count_now;
                    r_done    <= unit_last;
                    if (unit_last)
                        r_cycles <= count_now;
                end
            end
            assign unit_done   = r_done;
            assign unit_cycles = r_cycles;
        end else begin : g_no_unit_counter
            wire unused_unit_inputs = &{1'b0, unit_begin, unit_last};
            assign unit_done   = 1'b0;
            assign unit_cycles = 32'd0;
        end
    endgenerate

    genvar m, n;
    generate
        for (m = 0; m < M; m = m + 1) begin : g_row
            for (n = 0; n < N; n = n + 1) begin : g_col
                localparam integer IDX = m * N + n;
                wire [K-1:0]   xr = x_tile[K*m +: K];
                wire [K-1:0]   wr = w_tile[K*n +: K];
                wire [K-1:0]   bits = xor_mode ? (xr ^ wr) : (xr & wr);
                wire [PCW-1:0] popc = $countones(bits);
                wire [31:0]    popc32 = {{(32 - PCW){1'b0}}, popc};
                wire [31:0]    kv32 = {{(32 - PCW){1'b0}}, k_valid};
                wire [31:0]    term = xor_mode ? kv32 - (popc32 << 1) : popc32;
                wire [31:0]    mag = term << shift;
                wire [31:0]    add = negate ? 32'd0 - mag : mag;
                wire [31:0]    flip = (fault_flip && fault_acc == IDX[FAW-1:0])
                                      ? (32'd1 << fault_bit) : 32'd0;
                reg  [31:0]    r_acc;
                always @(posedge clk) begin
                    if (!rst_n)
                        r_acc <= 32'd0;
                    else
                        r_acc <= ((clear ? 32'd0 : r_acc) + (valid ? add : 32'd0)) ^ flip;
                end
                assign acc[32*IDX +: 32]       = r_acc;
                assign dbg_popc[PCW*IDX +: PCW] = popc;
            end
        end
    endgenerate
endmodule

`default_nettype wire
