// bitmod_grp_accum.v - group accumulator of the BitMoD PE.
//
// Follows kernels/bitmod_pe.h ("grp_accum.v" paragraph and the *inferred*
// term-alignment rule; public RTL yc2367/BitMoD hardware/pe/grp_accum.v).
// The accumulator is a custom float: acc_exp (6 bits), acc_man (15-bit two's
// complement), acc_sign; its value is acc_man * 2^(acc_exp - 28).
//
// One step (all combinational, committed at the rising clock edge):
//   in1   = bs_out <<< w_sig                       exact in 24 bits (w_sig 0..7)
//   E     = max(acc_exp, max_exp)
//   in2   = acc_man >>> (E - acc_exp)              0 when the shift exceeds 13
//   in1   = in1 >>> (E - max_exp)   unless literal_align (the RTL as written
//                                   adds the term unshifted)
//   sum   = in1 + in2                              wraps in 23 bits
//   s     = position of the leading one of |sum| minus 13, for bit 14..21
//           (8 .. 1), else 0; |sum| = 2^22 (sum = -2^22) also gives 0
//   acc_man <= bits [s+14:s] of sum  (= (sum >>> s) mod 2^15: s <= 8, so the
//                                     sign bits never enter)
//   acc_exp <= E + s (6 bits, wraps), acc_sign <= sum < 0
//
// clear (group_begin) replaces the accumulator operand by the reset value
// (exp 0, man 0, sign 0) for this cycle: with step it starts the group with
// this step, without step it only clears.  fault_flip (test only, tie to 0)
// XORs bit 0 of the accumulator mantissa at the clock edge it is high.
//
// Widths for a PE of LANES lanes (kernels/bitmod_pe.h "Lanes"): bs_out is
// BSW = 15 + log2(LANES) bits, the sum ACCW = 21 + log2(LANES) (17 and 23 for
// the published 4 lanes); the leading-one search covers bits 13 .. ACCW-2.
`default_nettype none

module bitmod_grp_accum #(
    parameter integer LANES = 4,
    // derived (do not override)
    parameter integer BSW  = 15 + $clog2(LANES),  // bs_out
    parameter integer ACCW = 21 + $clog2(LANES),  // the wrapping sum
    parameter integer MAGW = ACCW - 14            // |sum| bits that decide the shift
) (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        step,
    input  wire        clear,
    input  wire        literal_align,
    input  wire        fault_flip,
    input  wire [BSW-1:0] bs_out,   // signed
    input  wire [2:0]  w_sig,
    input  wire [5:0]  max_exp,
    output reg  [5:0]  acc_exp,
    output reg  [14:0] acc_man,     // signed
    output reg         acc_sign,
    output wire [ACCW-1:0] acc_sum, // signed, this cycle's sum before normalization
    output reg  [3:0]  norm_shift   // this cycle's normalization shift, 0..ACCW-15 (8 for 4 lanes)
);
    // accumulator operand of this cycle
    wire [5:0]  cur_exp = clear ? 6'd0 : acc_exp;
    wire [14:0] cur_man = clear ? 15'd0 : acc_man;

    // alignment to E = max(acc_exp, max_exp)
    wire [5:0] e_max  = (cur_exp > max_exp) ? cur_exp : max_exp;
    wire [5:0] d_acc  = e_max - cur_exp;
    wire [5:0] d_term = e_max - max_exp;

    // term: significance shift (exact in ACCW + 1 bits), then the term alignment
    wire signed [ACCW:0] in1    = $signed({{7{bs_out[BSW-1]}}, bs_out}) <<< w_sig;
    wire signed [ACCW:0] in1_al = literal_align ? in1 : (in1 >>> d_term);

    // accumulator: arithmetic right shift, flushed to 0 beyond 13
    wire signed [14:0] man_sh = $signed(cur_man) >>> d_acc;
    wire [14:0]        in2    = (d_acc <= 6'd13) ? man_sh : 15'd0;

    // ACCW-bit sum (mod 2^ACCW): only bits [ACCW-1:0] of the term matter
    wire [ACCW-1:0] sum = in1_al[ACCW-1:0] + {{(ACCW - 15){in2[14]}}, in2};
    // the term's top bit drops out of the wrapping sum: the unused_ name
    // matches the linter's default --unused-regexp (no lint_off pragma)
    wire unused_in1_msb = in1_al[ACCW];

    // normalization: leading one of |sum| kept at bit 13
    // mag = bits ACCW-1..14 of |sum|, all that decides the shift
    wire [MAGW-1:0] mag;
    wire [13:0]     unused_mag_low;
    assign {mag, unused_mag_low} = sum[ACCW-1] ? ({ACCW{1'b0}} - sum) : sum;
    // shift = 1 + the position of the highest set bit of mag[MAGW-2:0]; 0 if
    // none, and 0 for mag[MAGW-1] (only sum = -2^(ACCW-1): no pattern in
    // the RTL)
    integer b;
    always @* begin
        norm_shift = 4'd0;
        for (b = 0; b < MAGW - 1; b = b + 1)
            if (mag[b]) norm_shift = b[3:0] + 4'd1;
        if (mag[MAGW-1]) norm_shift = 4'd0;
    end

    wire [14:0] man_next = sum[{1'b0, norm_shift} +: 15];
    wire [5:0]  exp_next = e_max + {2'b00, norm_shift};

    assign acc_sum = sum;

    // next state: the step's result, the cleared accumulator, or unchanged
    wire [5:0]  exp_d  = step ? exp_next : cur_exp;
    wire [14:0] man_d  = step ? man_next : cur_man;
    wire        sign_d = step ? sum[ACCW-1] : (acc_sign & ~clear);

    always @(posedge clk) begin
        if (!rst_n) begin
            acc_exp  <= 6'd0;
            acc_man  <= 15'd0;
            acc_sign <= 1'b0;
        end else if (step || clear || fault_flip) begin
            acc_exp  <= exp_d;
            acc_man  <= man_d ^ {14'd0, fault_flip};
            acc_sign <= sign_d;
        end
    end
endmodule

`default_nettype wire
