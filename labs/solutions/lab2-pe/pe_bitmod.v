// pe_bitmod.v - one BitMoD processing element (HPCA'25): LANES (4 in the
// paper) FP16 activations times LANES bit-serial weight terms per cycle into
// a custom-float group accumulator, then bit-serial dequantization by the
// integer group scale.
//
// Bit-exact with the C model kernels/bitmod_pe.{h,c} (which documents every
// width and rule, and the public RTL yc2367/BitMoD hardware/pe/ it follows);
// lock-step co-simulated against it by tests/test_cosim_bitmod.cpp.
// Written from the C model's description, not from the public Verilog.
// Full description: docs/rtl.md.
//
// Submodules: bitmod_exp_match.v, bitmod_bs_mul.v, bitmod_grp_accum.v,
// bitmod_dequant.v.
//
// ---- Timing ---------------------------------------------------------------
// One cycle per step, no pipeline.  Every input is sampled at the rising edge
// of clk; the registered outputs (acc_*, dq_*) show the result right after
// that edge.  The dbg_* outputs are combinational: they describe the step
// being presented (inputs + current registers), i.e. the cycle whose result
// the next edge commits.  rst_n is synchronous and active low: an edge
// with rst_n low clears all state (the C model's ab_bitmod_pe_init) and
// ignores the other inputs.  (Synchronous so that the flip-flops legalize
// to plain D flip-flops in the Yosys area flow: dfflegalize rejects
// asynchronous resets.)
//
// Controls of one cycle (any combination) act, at the edge, like these C
// model calls in this order:
//   dequant_begin  ab_bitmod_pe_dequant_begin(scale_sign)  (latches the
//                  accumulator as it is before the edge)
//   dequant_step   ab_bitmod_pe_dequant_step(scale_bit)
//   group_begin    ab_bitmod_pe_group_begin()
//   step_valid     ab_bitmod_pe_step(act, terms)
// So a group starts with group_begin and its first step in the same cycle,
// and the previous group's dequantization (dequant_begin, then one
// dequant_step per scale bit, MSB first) runs behind the next group's steps.
//
// ---- Terms ------------------------------------------------------------------
// Lane i takes act[16*i +: 16] (FP16 bits) and the term w_sign[i],
// w_exp[2*i +: 2], w_man[i], w_sig[3*i +: 3] (kernels/bitmod_terms.h).  The
// lanes of a cycle share one significance (grp_accum has one w_sig): like
// the C model, the PE uses lane 0's; dbg_sig_conflict flags a cycle whose
// lanes disagree (never the case for ab_bitmod_terms output).
//
// ---- Lanes ------------------------------------------------------------------
// LANES (a power of two, 1..16; default 4, the published PE) sets the lane
// count; the adder tree's output is BSW = 15 + log2(LANES) bits and the
// accumulator's sum ACCW = 21 + log2(LANES) bits (kernels/bitmod_pe.h
// "Lanes", whose ab_bitmod_pe_init_lanes is the C model of every LANES).
// All other widths are the 4-lane PE's.
//
// FP16 unpacking (*inferred* in the C model): a_man = {exp != 0, frac},
// a_exp = max(exp, 1); exponent 31 (inf/NaN) is an ordinary exponent.
//
// ---- Term alignment ---------------------------------------------------------
// RTL_LITERAL_ALIGN = 0: the term is aligned to E = max(acc_exp, M) too (the
//                        C model's default); 1: the RTL as written (the term
//                        is added unshifted, C model rtl_literal_align);
//                        2 (default): chosen at run time by literal_align, so
//                        one Verilated model co-simulates both rules.
// With 0 or 1 the literal_align port is ignored.
//
// ---- Work-unit timing -------------------------------------------------------
// The PE counts the cycles of its own work units (one output over its K:
// its groups, then the last group's dequantization).  unit_begin marks a
// unit's first cycle (with its first group_begin).  With dequant_begin,
// scale_len gives the dequantization's scale bits (1..16; 0: not counted)
// and unit_last says that it is the unit's last group.  The dequantizer
// counts the dequant_step bits it takes; at the edge that takes the last of
// a unit_last dequantization, unit_done goes high for one cycle and
// unit_cycles holds the unit's cycles (until the next unit_done): the
// edges from the unit_begin edge through that edge, both counted, stalls
// included, mod 2^32.  A unit's dequantization may run behind the next
// unit's first group (its own counter), as the groups' do.
// UNIT_COUNTER = 1 builds the counter (the Verilated models); 0 (the
// default, so the area flow prices the PE as published, without a
// performance counter) ties unit_done and unit_cycles to 0.
// FAULT_LATE_COUNT = 1 (test only) starts the counter one cycle late, the
// planted off-by-one the co-simulation's cycle check must catch.
//
// fault_flip is for the co-simulation checker's self-test: tie it to 0.
// While high it XORs bit 0 of acc_man at the clock edge.
`default_nettype none

module pe_bitmod #(
    parameter integer RTL_LITERAL_ALIGN = 2,
    parameter integer LANES = 4,        // a power of two, 1..16
    parameter integer UNIT_COUNTER = 0,     // 1: count work units' cycles (unit_done, unit_cycles)
    parameter integer FAULT_LATE_COUNT = 0, // test only: 1 starts unit_cycles one cycle late
    // derived (do not override)
    parameter integer BSW  = 15 + $clog2(LANES),  // adder tree output
    parameter integer ACCW = 21 + $clog2(LANES)   // accumulator sum
) (
    input  wire        clk,
    input  wire        rst_n,
    // compute step
    input  wire        step_valid,
    input  wire [16*LANES-1:0] act,     // LANES x FP16
    input  wire [LANES-1:0]    w_sign,
    input  wire [2*LANES-1:0]  w_exp,   // LANES x 2 bits
    input  wire [LANES-1:0]    w_man,
    input  wire [3*LANES-1:0]  w_sig,   // LANES x 3 bits, lane 0's is used
    input  wire        group_begin,     // clear the accumulator
    // dequantization
    input  wire        dequant_begin,
    input  wire        scale_sign,
    input  wire        dequant_step,
    input  wire        scale_bit,
    // work-unit timing
    input  wire        unit_begin,      // first cycle of a work unit
    input  wire        unit_last,       // with dequant_begin: the unit's last group
    input  wire [4:0]  scale_len,       // with dequant_begin: its scale bits, 1..16
    // configuration / test
    input  wire        literal_align,   // used when RTL_LITERAL_ALIGN == 2
    input  wire        fault_flip,      // test only, tie to 0
    // registered state
    output wire [5:0]  acc_exp,
    output wire [14:0] acc_man,         // signed
    output wire        acc_sign,
    output wire [5:0]  dq_exp,
    output wire [20:0] dq_man,          // signed
    output wire        dq_sign,
    output wire [14:0] dq_in_man,       // signed, latched accumulator mantissa
    output wire        dq_scale_sign,
    output wire        unit_done,       // one cycle: the unit's result is in dq_*
    output wire [31:0] unit_cycles,     // the finished unit's cycles
    // combinational debug view of the presented step
    output wire [5:0]  dbg_max_exp,
    output wire [6*LANES-1:0]  dbg_delta, // LANES x 6 bits
    output wire [15*LANES-1:0] dbg_lane,  // LANES x 15 bits signed, aligned products
    output wire [BSW-1:0]      dbg_bs_out,  // signed adder-tree output
    output wire [ACCW-1:0]     dbg_acc_sum, // signed, before normalization
    output wire [3:0]  dbg_norm_shift,
    output wire        dbg_sig_conflict
);
    // ---- FP16 unpacking -------------------------------------------------------
    wire [5*LANES-1:0]  a_exp;
    wire [11*LANES-1:0] a_man;
    wire [LANES-1:0]    a_sign;
    genvar i;
    generate
        for (i = 0; i < LANES; i = i + 1) begin : g_unpack
            wire [4:0] e    = act[16*i + 10 +: 5];
            wire       norm = |e;
            assign a_sign[i]          = act[16*i + 15];
            assign a_exp[5*i +: 5]    = norm ? e : 5'd1;
            assign a_man[11*i +: 11]  = {norm, act[16*i +: 10]};
        end
    endgenerate

    // ---- term alignment rule ---------------------------------------------------
    wire literal;
    generate
        if (RTL_LITERAL_ALIGN == 2) begin : g_align_port
            assign literal = literal_align;
        end else begin : g_align_fixed
            assign literal = (RTL_LITERAL_ALIGN == 1);
            // the port is ignored: the unused_ name matches the linter's
            // default --unused-regexp
            wire unused_literal_align = literal_align;
        end
    endgenerate

    // ---- datapath ----------------------------------------------------------------
    wire [5:0]          max_exp;
    wire [6*LANES-1:0]  delta;
    wire [LANES-1:0]    y_sign;
    wire [15*LANES-1:0] lane;
    wire [BSW-1:0]      bs_out;

    bitmod_exp_match #(.LANES(LANES)) u_exp_match (
        .a_exp   (a_exp),
        .w_exp   (w_exp),
        .a_sign  (a_sign),
        .w_sign  (w_sign),
        .max_exp (max_exp),
        .delta   (delta),
        .y_sign  (y_sign)
    );

    bitmod_bs_mul #(.LANES(LANES)) u_bs_mul (
        .a_man  (a_man),
        .w_man  (w_man),
        .delta  (delta),
        .y_sign (y_sign),
        .lane   (lane),
        .bs_out (bs_out)
    );

    bitmod_grp_accum #(.LANES(LANES)) u_grp_accum (
        .clk           (clk),
        .rst_n         (rst_n),
        .step          (step_valid),
        .clear         (group_begin),
        .literal_align (literal),
        .fault_flip    (fault_flip),
        .bs_out        (bs_out),
        .w_sig         (w_sig[2:0]),
        .max_exp       (max_exp),
        .acc_exp       (acc_exp),
        .acc_man       (acc_man),
        .acc_sign      (acc_sign),
        .acc_sum       (dbg_acc_sum),
        .norm_shift    (dbg_norm_shift)
    );

    bitmod_dequant u_dequant (
        .clk           (clk),
        .rst_n         (rst_n),
        .start         (dequant_begin),
        .scale_sign    (scale_sign),
        .step          (dequant_step),
        .scale_bit     (scale_bit),
        .acc_exp       (acc_exp),
        .acc_man       (acc_man),
        .acc_sign      (acc_sign),
        .dq_exp        (dq_exp),
        .dq_man        (dq_man),
        .dq_sign       (dq_sign),
        .dq_in_man     (dq_in_man),
        .dq_scale_sign (dq_scale_sign)
    );

    // ---- work-unit timing -------------------------------------------------------
    generate
        if (UNIT_COUNTER != 0) begin : g_unit_counter
            // run_count: cycles of the unit being computed, through the last
            // edge; drain_count: of the unit whose last group is being
            // dequantized.
            localparam [31:0] COUNT_FIRST = (FAULT_LATE_COUNT != 0) ? 32'd0 : 32'd1;
            reg  [31:0] run_count;
            reg  [31:0] drain_count;
            reg  [4:0]  dq_bits_left;
            reg         dq_ends_unit;
            reg         r_done;
            reg  [31:0] r_cycles;
            wire [31:0] run_now   = run_count + 32'd1;   // this edge counted
            wire [31:0] drain_now = dequant_begin ? run_now : drain_count + 32'd1;
            wire [4:0]  bits_now  = dequant_begin ? scale_len : dq_bits_left;
            wire        takes_bit = dequant_step && bits_now != 5'd0;
            wire        dq_final  = takes_bit && bits_now == 5'd1;
            wire        ends_unit = dequant_begin ? unit_last : dq_ends_unit;
            always @(posedge clk) begin
                if (!rst_n) begin
                    run_count    <= 32'd0;
                    drain_count  <= 32'd0;
                    dq_bits_left <= 5'd0;
                    dq_ends_unit <= 1'b0;
                    r_done       <= 1'b0;
                    r_cycles     <= 32'd0;
                end else begin
                    run_count    <= unit_begin ? COUNT_FIRST : run_now;
                    drain_count  <= drain_now;
                    dq_bits_left <= takes_bit ? bits_now - 5'd1 : bits_now;
                    dq_ends_unit <= ends_unit && !dq_final;
                    r_done       <= dq_final && ends_unit;
                    if (dq_final && ends_unit)
                        r_cycles <= drain_now;
                end
            end
            assign unit_done   = r_done;
            assign unit_cycles = r_cycles;
        end else begin : g_no_unit_counter
            wire unused_unit_inputs = &{1'b0, unit_begin, unit_last, scale_len};
            assign unit_done   = 1'b0;
            assign unit_cycles = 32'd0;
        end
    endgenerate

    assign dbg_max_exp      = max_exp;
    assign dbg_delta        = delta;
    assign dbg_lane         = lane;
    assign dbg_bs_out       = bs_out;
    wire [LANES-1:0] sig_differs;
    generate
        for (i = 0; i < LANES; i = i + 1) begin : g_sig
            assign sig_differs[i] = w_sig[3*i +: 3] != w_sig[2:0];
        end
    endgenerate
    assign dbg_sig_conflict = |sig_differs;
endmodule

`default_nettype wire
