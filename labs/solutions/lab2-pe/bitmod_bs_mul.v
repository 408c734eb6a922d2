// bitmod_bs_mul.v - bit-serial multiplier of the BitMoD PE (LANES lanes, 4 published).
//
// Follows kernels/bitmod_pe.h ("bs_mul.v" paragraph; public RTL
// yc2367/BitMoD hardware/pe/bs_mul.v):
//   prod[i]    = a_man[i] (11 bits, hidden bit included) AND the term's man bit
//   aligned[i] = floor(prod[i] * 2^(3 - delta[i]))   14 bits: the lane
//                shifter keeps 3 guard bits and truncates; 0 once
//                delta >= 14 (here: {prod, 3'b000} >> delta, which is
//                exactly that for every delta 0..63)
//   lane[i]    = y_sign[i] ? -aligned[i] : aligned[i]   15-bit two's complement
//   bs_out     = the adder tree over the lanes, a heap of log2(LANES)
//                levels (4 lanes: (lane0 + lane1) + (lane2 + lane3)), level
//                l's sums 15 + l bits signed; bs_out is 15 + log2(LANES)
//                bits (|lane| < 2^14, so the tree never overflows)
// Purely combinational.
`default_nettype none

module bitmod_bs_mul #(
    parameter integer LANES = 4,                // a power of two, 1..16
    // derived (do not override)
    parameter integer LW  = $clog2(LANES),
    parameter integer BSW = 15 + LW             // bs_out
) (
    input  wire [11*LANES-1:0] a_man,   // lane i: a_man[11*i +: 11]
    input  wire [LANES-1:0]    w_man,
    input  wire [6*LANES-1:0]  delta,   // lane i: delta[6*i +: 6]
    input  wire [LANES-1:0]    y_sign,
    output wire [15*LANES-1:0] lane,    // lane i: lane[15*i +: 15], signed
    output wire [BSW-1:0]      bs_out   // signed
);
    // adder tree as a heap (node j's children 2j+1, 2j+2; the lanes are the
    // leaves LANES-1 .. 2*LANES-2), one generate block per node; node j at
    // depth d is W = 15 + LW - d bits: its children's sign-extended sum, as
    // a tree with growing widths (4 lanes: 16-bit sums, then the 17-bit root)
    genvar j;
    generate
        for (j = 0; j < 2*LANES - 1; j = j + 1) begin : g_node
            localparam integer W = 15 + LW - ($clog2(j + 2) - 1);
            wire [W-1:0] v;
            if (j >= LANES - 1) begin : g_leaf
                localparam integer L = j - (LANES - 1);
                wire [10:0] prod    = a_man[11*L +: 11] & {11{w_man[L]}};
                wire [13:0] aligned = {prod, 3'b000} >> delta[6*L +: 6];
                wire [14:0] mag     = {1'b0, aligned};
                assign lane[15*L +: 15] = y_sign[L] ? (15'd0 - mag) : mag;
                assign v = lane[15*L +: 15];
            end else begin : g_add
                assign v = {g_node[2*j + 1].v[W-2], g_node[2*j + 1].v} +
                           {g_node[2*j + 2].v[W-2], g_node[2*j + 2].v};
            end
        end
    endgenerate

    assign bs_out = g_node[0].v;
endmodule

`default_nettype wire
