// bitmod_bs_mul.v - bit-serial multiplier of the BitMoD PE: lab 2's starter
// (labs/lab2-pe/README.md).  The lanes are parametric; the adder tree is
// still the published 4-lane PE's, (lane0 + lane1) + (lane2 + lane3), so a
// PE of 8 or 16 lanes drops every lane above 3.  Your exercise: make the
// tree sum all LANES lanes (log2(LANES) levels, level l's sums 15 + l bits
// signed, bs_out 15 + log2(LANES) bits; kernels/bitmod_pe.h "Lanes").
//
// Follows kernels/bitmod_pe.h ("bs_mul.v" paragraph; public RTL
// yc2367/BitMoD hardware/pe/bs_mul.v):
//   prod[i]    = a_man[i] (11 bits, hidden bit included) AND the term's man bit
//   aligned[i] = floor(prod[i] * 2^(3 - delta[i]))   14 bits: the lane
//                shifter keeps 3 guard bits and truncates; 0 once
//                delta >= 14 (here: {prod, 3'b000} >> delta, which is
//                exactly that for every delta 0..63)
//   lane[i]    = y_sign[i] ? -aligned[i] : aligned[i]   15-bit two's complement
//   bs_out     = the adder tree over the lanes
// Purely combinational.
`default_nettype none

module bitmod_bs_mul #(
    parameter integer LANES = 4,                // a power of two, 4..16 here
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
    // one shifter and sign select per lane
    genvar i;
    generate
        for (i = 0; i < LANES; i = i + 1) begin : g_lane
            wire [10:0] prod    = a_man[11*i +: 11] & {11{w_man[i]}};
            wire [13:0] aligned = {prod, 3'b000} >> delta[6*i +: 6];
            wire [14:0] mag     = {1'b0, aligned};
            assign lane[15*i +: 15] = y_sign[i] ? (15'd0 - mag) : mag;
        end
    endgenerate

    // the adder tree of the published PE: 4 lanes, 16-bit sums, a 17-bit root
    wire [14:0] l0 = lane[0  +: 15];
    wire [14:0] l1 = lane[15 +: 15];
    wire [14:0] l2 = lane[30 +: 15];
    wire [14:0] l3 = lane[45 +: 15];
    wire [15:0] s01 = {l0[14], l0} + {l1[14], l1};
    wire [15:0] s23 = {l2[14], l2} + {l3[14], l3};
    wire [16:0] root = {s01[15], s01} + {s23[15], s23};

    assign bs_out = {{(BSW - 17){root[16]}}, root};
endmodule

`default_nettype wire
