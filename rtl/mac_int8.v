// mac_int8.v - the INT8 baseline PE: one signed INT8 x INT8 multiply per
// cycle into a wrapping 32-bit two's-complement accumulator (the int8 PE
// kind of sim/pe/pe_int8.c; docs/rtl.md "Baseline MAC PEs").
//
// Timing: every input is sampled at the rising edge of clk.
//   rst_n = 0        acc <= 0 (synchronous, active low)
//   en = 1           acc <= (clear ? 0 : acc) + a * b
//   en = 0           acc holds (clear is ignored)
// The accumulator wraps modulo 2^32 (|a*b| <= 2^14, so 2^17 products fit).
`default_nettype none

module mac_int8 (
    input  wire               clk,
    input  wire               rst_n,
    input  wire               en,
    input  wire               clear,
    input  wire signed [7:0]  a,
    input  wire signed [7:0]  b,
    output reg  signed [31:0] acc
);
    wire signed [15:0] prod = a * b;
    wire signed [31:0] base = clear ? 32'sd0 : acc;

    always @(posedge clk) begin
        if (!rst_n)
            acc <= 32'sd0;
        else if (en)
            acc <= base + {{16{prod[15]}}, prod};
    end
endmodule

`default_nettype wire
