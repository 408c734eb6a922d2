// mac_fp16.v - the FP16 baseline PE: one FP16 x FP16 multiply per cycle,
// accumulated in FP32 (the fp16 PE kind of sim/pe/pe_fp16.c; docs/rtl.md
// "Baseline MAC PEs").
//
// mac_fp16 is the register around fp16_mul_fp32_add (rtl/fp16_mul_fp32_add.v), a combinational
// d = c + a * b with a, b binary16 and c, d binary32:
//   - the product of two binary16 values is exact in binary32 (11 x 11
//     significand bits, exponents 2^-48 .. 2^32), so the only rounding is
//     the one of the FP32 add: round to nearest, ties to even;
//   - binary16 subnormals are exact inputs (normalized before the add);
//   - not IEEE-complete: a binary16 exponent of 31 is an ordinary binade
//     (no inf/NaN inputs: 0x7c00 reads as 2^16); a sum beyond the FP32
//     range gives +-inf (exponent 255, fraction 0), and an accumulator
//     holding exponent 255 is then an ordinary (large) number, not inf;
//     an FP32 result below the normal range flushes to zero (unreachable
//     from a cleared accumulator: every sum is a multiple of 2^-48);
//   - zeros: x + (+-0) = x (so -0 + +0 stays -0), and an exact cancellation
//     gives +0.
//
// Timing of mac_fp16: every input is sampled at the rising edge of clk.
//   rst_n = 0        acc <= +0 (synchronous, active low)
//   en = 1           acc <= (clear ? +0 : acc) + a * b
//   en = 0           acc holds (clear is ignored)
`default_nettype none

module mac_fp16 (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        en,
    input  wire        clear,
    input  wire [15:0] a,
    input  wire [15:0] b,
    output reg  [31:0] acc
);
    wire [31:0] sum;

    fp16_mul_fp32_add u_fma (
        .a (a),
        .b (b),
        .c (clear ? 32'd0 : acc),
        .d (sum)
    );

    always @(posedge clk) begin
        if (!rst_n)
            acc <= 32'd0;
        else if (en)
            acc <= sum;
    end
endmodule

`default_nettype wire
