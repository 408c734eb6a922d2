// bitmod_bs_mul.v - bit-serial multiplier of the BitMoD PE (4 lanes).
//
// Follows kernels/bitmod_pe.h ("bs_mul.v" paragraph; public RTL
// yc2367/BitMoD hardware/pe/bs_mul.v):
//   prod[i]    = a_man[i] (11 bits, hidden bit included) AND the term's man bit
//   aligned[i] = floor(prod[i] * 2^(3 - delta[i]))   14 bits: the lane
//                shifter keeps 3 guard bits and truncates; 0 once
//                delta >= 14 (here: {prod, 3'b000} >> delta, which is
//                exactly that for every delta 0..63)
//   lane[i]    = y_sign[i] ? -aligned[i] : aligned[i]   15-bit two's complement
//   bs_out     = (lane0 + lane1) + (lane2 + lane3)      16 then 17 bits signed
//                (|lane| < 2^14, so the tree never overflows)
// Purely combinational.
`default_nettype none

module bitmod_bs_mul (
    input  wire [43:0] a_man,   // lane i: a_man[11*i +: 11]
    input  wire [3:0]  w_man,
    input  wire [23:0] delta,   // lane i: delta[6*i +: 6]
    input  wire [3:0]  y_sign,
    output wire [59:0] lane,    // lane i: lane[15*i +: 15], signed
    output wire [16:0] bs_out   // signed
);
    genvar i;
    generate
        for (i = 0; i < 4; i = i + 1) begin : g_lane
            wire [10:0] prod    = a_man[11*i +: 11] & {11{w_man[i]}};
            wire [13:0] aligned = {prod, 3'b000} >> delta[6*i +: 6];
            wire [14:0] mag     = {1'b0, aligned};
            assign lane[15*i +: 15] = y_sign[i] ? (15'd0 - mag) : mag;
        end
    endgenerate

    wire [15:0] s01 = {lane[14], lane[14:0]} + {lane[29], lane[29:15]};
    wire [15:0] s23 = {lane[44], lane[44:30]} + {lane[59], lane[59:45]};
    assign bs_out = {s01[15], s01} + {s23[15], s23};
endmodule

`default_nettype wire
