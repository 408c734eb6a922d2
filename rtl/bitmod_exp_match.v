// bitmod_exp_match.v - exponent match of the BitMoD PE (4 lanes).
//
// Follows the C model kernels/bitmod_pe.h ("exp_match.v" paragraph), which
// documents the public RTL (yc2367/BitMoD hardware/pe/exp_match.v):
//   v_exp[i] = a_exp[i] + w_exp[i]          6 bits (a_exp 1..31, w_exp 0..3)
//   y_sign[i] = a_sign[i] ^ w_sign[i]
//   max_exp  = max over the 4 lanes, unsigned; the term's mantissa flag is
//              not looked at (zero terms and zero activations take part)
//   delta[i] = max_exp - v_exp[i]           6 bits, never negative
// Purely combinational.
`default_nettype none

module bitmod_exp_match (
    input  wire [19:0] a_exp,   // lane i: a_exp[5*i +: 5]
    input  wire [7:0]  w_exp,   // lane i: w_exp[2*i +: 2]
    input  wire [3:0]  a_sign,
    input  wire [3:0]  w_sign,
    output wire [5:0]  max_exp,
    output wire [23:0] delta,   // lane i: delta[6*i +: 6]
    output wire [3:0]  y_sign
);
    wire [5:0] v_exp [0:3];

    genvar i;
    generate
        for (i = 0; i < 4; i = i + 1) begin : g_lane
            assign v_exp[i] = {1'b0, a_exp[5*i +: 5]} + {4'b0000, w_exp[2*i +: 2]};
            assign y_sign[i] = a_sign[i] ^ w_sign[i];
            assign delta[6*i +: 6] = max_exp - v_exp[i];
        end
    endgenerate

    // two-level max tree (same result as a linear scan)
    wire [5:0] m01 = (v_exp[1] > v_exp[0]) ? v_exp[1] : v_exp[0];
    wire [5:0] m23 = (v_exp[3] > v_exp[2]) ? v_exp[3] : v_exp[2];
    assign max_exp = (m23 > m01) ? m23 : m01;
endmodule

`default_nettype wire
