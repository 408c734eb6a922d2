// bitmod_exp_match.v - exponent match of the BitMoD PE (LANES lanes, 4 published).
//
// Follows the C model kernels/bitmod_pe.h ("exp_match.v" paragraph), which
// documents the public RTL (yc2367/BitMoD hardware/pe/exp_match.v):
//   v_exp[i] = a_exp[i] + w_exp[i]          6 bits (a_exp 1..31, w_exp 0..3)
//   y_sign[i] = a_sign[i] ^ w_sign[i]
//   max_exp  = max over the lanes, unsigned (a two-input max tree); the term's mantissa flag is
//              not looked at (zero terms and zero activations take part)
//   delta[i] = max_exp - v_exp[i]           6 bits, never negative
// Purely combinational.
`default_nettype none

module bitmod_exp_match #(
    parameter integer LANES = 4     // a power of two, 1..16
) (
    input  wire [5*LANES-1:0] a_exp,   // lane i: a_exp[5*i +: 5]
    input  wire [2*LANES-1:0] w_exp,   // lane i: w_exp[2*i +: 2]
    input  wire [LANES-1:0]   a_sign,
    input  wire [LANES-1:0]   w_sign,
    output wire [5:0]         max_exp,
    output wire [6*LANES-1:0] delta,   // lane i: delta[6*i +: 6]
    output wire [LANES-1:0]   y_sign
);
    // max tree as a heap: node j's children are 2j+1 and 2j+2, the lanes
    // are the leaves LANES-1 .. 2*LANES-2 (4 lanes: max(max(v0, v1),
    // max(v2, v3))); one generate block per node, so that each node is its
    // own signal
    genvar j;
    generate
        for (j = 0; j < 2*LANES - 1; j = j + 1) begin : g_node
            wire [5:0] v;
            if (j >= LANES - 1) begin : g_leaf
                localparam integer L = j - (LANES - 1);
                assign v = {1'b0, a_exp[5*L +: 5]} + {4'b0000, w_exp[2*L +: 2]};
                assign y_sign[L] = a_sign[L] ^ w_sign[L];
                assign delta[6*L +: 6] = max_exp - v;
            end else begin : g_max
                assign v = (g_node[2*j + 2].v > g_node[2*j + 1].v) ? g_node[2*j + 2].v
                                                                   : g_node[2*j + 1].v;
            end
        end
    endgenerate

    assign max_exp = g_node[0].v;
endmodule

`default_nettype wire
