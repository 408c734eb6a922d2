// bitmod_dequant.v - bit-serial dequantizer of the BitMoD PE.
//
// Follows kernels/bitmod_pe.h ("dequant.v" paragraph and the *inferred*
// clear at start; public RTL yc2367/BitMoD hardware/pe/dequant.v):
//   start: latch the accumulator (in_man <= acc_man, dq_exp <= acc_exp),
//          dq_scale_sign <= scale_sign, dq_sign <= scale_sign ^ acc_sign,
//          dq_man <= 0
//   step:  dq_man <= (dq_man <<< 1) + (scale_bit ? in_man : 0), 21 bits
//          signed, wraps; one integer-scale bit per cycle, MSB first
// start and step in the same cycle act as start followed by step (the
// first scale bit is taken with the freshly latched mantissa).  start reads
// the accumulator registers as they are before the clock edge, so a
// dequantization can start in the same cycle as the next group's first step.
// The C model's dq_in_exp always equals dq_exp: one register holds both.
`default_nettype none

module bitmod_dequant (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        start,
    input  wire        scale_sign,
    input  wire        step,
    input  wire        scale_bit,
    input  wire [5:0]  acc_exp,
    input  wire [14:0] acc_man,       // signed
    input  wire        acc_sign,
    output reg  [5:0]  dq_exp,
    output reg  [20:0] dq_man,        // signed
    output reg         dq_sign,
    output reg  [14:0] dq_in_man,     // signed, the latched accumulator mantissa
    output reg         dq_scale_sign
);
    wire [20:0] base_man = start ? 21'd0 : dq_man;
    wire [14:0] base_in  = start ? acc_man : dq_in_man;
    wire [20:0] addend   = scale_bit ? {{6{base_in[14]}}, base_in} : 21'd0;
    wire [20:0] man_next = step ? ({base_man[19:0], 1'b0} + addend) : base_man;

    always @(posedge clk) begin
        if (!rst_n) begin
            dq_exp        <= 6'd0;
            dq_man        <= 21'd0;
            dq_sign       <= 1'b0;
            dq_in_man     <= 15'd0;
            dq_scale_sign <= 1'b0;
        end else begin
            if (start) begin
                dq_exp        <= acc_exp;
                dq_sign       <= scale_sign ^ acc_sign;
                dq_in_man     <= acc_man;
                dq_scale_sign <= scale_sign;
            end
            if (start || step)
                dq_man <= man_next;
        end
    end
endmodule

`default_nettype wire
