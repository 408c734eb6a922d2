// fp16_mul_fp32_add.v - d = c + a * b, a and b binary16, c and d binary32,
// combinational; the datapath of rtl/mac_fp16.v, whose header states the
// rounding (RNE on the add; the product is exact) and the non-IEEE corners.
`default_nettype none

// d = c + a * b (see above); combinational.
module fp16_mul_fp32_add (
    input  wire [15:0] a,
    input  wire [15:0] b,
    input  wire [31:0] c,
    output reg  [31:0] d
);
    // ---- the exact product: p_man * 2^(p_exp - 150), p_man normalized ----
    wire [10:0] a_man = {a[14:10] != 5'd0, a[9:0]};
    wire [10:0] b_man = {b[14:10] != 5'd0, b[9:0]};
    wire [5:0]  a_exp = (a[14:10] == 5'd0) ? 6'd1 : {1'b0, a[14:10]};
    wire [5:0]  b_exp = (b[14:10] == 5'd0) ? 6'd1 : {1'b0, b[14:10]};
    wire [21:0] prod  = a_man * b_man;     // value prod * 2^(a_exp + b_exp - 50)
    wire        p_sign = a[15] ^ b[15];
    wire        p_zero = (prod == 22'd0);

    reg  [4:0]  p_lz;                      // leading zeros of prod (0..21)
    integer i;
    always @(*) begin
        p_lz = 5'd0;
        for (i = 0; i < 22; i = i + 1)
            if (prod[i])
                p_lz = 5'd21 - i[4:0];
    end
    wire [21:0] prod_n = prod << p_lz;
    wire [23:0] p_man  = {prod_n, 2'b00};
    // a_exp + b_exp - 50 - p_lz = p_exp - 150 - 2  ->  p_exp = a_exp + b_exp + 98 - p_lz
    wire [9:0]  p_exp  = {4'd0, a_exp} + {4'd0, b_exp} + 10'd98 - {5'd0, p_lz};

    // ---- the accumulator: c_man * 2^(c_exp - 150) ------------------------
    wire        c_sign = c[31];
    wire        c_zero = (c[30:23] == 8'd0);  // zero (subnormals read as zero)
    wire [23:0] c_man  = {1'b1, c[22:0]};
    wire [9:0]  c_exp  = {2'd0, c[30:23]};

    // ---- order the operands: x has the larger exponent ------------------
    wire        swap  = p_exp > c_exp;
    wire        x_sign = swap ? p_sign : c_sign;
    wire        y_sign = swap ? c_sign : p_sign;
    wire [23:0] x_man  = swap ? p_man : c_man;
    wire [23:0] y_man  = swap ? c_man : p_man;
    wire [9:0]  x_exp  = swap ? p_exp : c_exp;
    wire [9:0]  y_exp  = swap ? c_exp : p_exp;
    wire [9:0]  dexp   = x_exp - y_exp;
    wire [5:0]  shamt  = (dexp > 10'd50) ? 6'd50 : dexp[5:0];

    // y aligned to x with guard, round and sticky bits (27 bits)
    wire [50:0] y_wide  = {y_man, 27'd0} >> shamt;
    wire        y_stick = |y_wide[23:0];
    wire [26:0] y_al    = {y_wide[50:25], y_wide[24] | y_stick};
    wire [27:0] x_al    = {1'b0, x_man, 3'b000};

    // ---- add or subtract magnitudes --------------------------------------
    wire        sub   = x_sign ^ y_sign;
    wire [27:0] s_add = x_al + {1'b0, y_al};
    wire [27:0] s_sub = x_al - {1'b0, y_al};
    wire        s_neg = sub & s_sub[27];       // only when the exponents are equal
    wire [27:0] s_mag = sub ? (s_neg ? (28'd0 - s_sub) : s_sub) : s_add;
    wire        r_sign = s_neg ? y_sign : x_sign;

    // ---- normalize to 27 bits: 24 significand bits + G, R, S -------------
    reg  [4:0]  s_lz;                          // leading zeros of s_mag[26:0]
    integer j;
    always @(*) begin
        s_lz = 5'd27;
        for (j = 0; j < 27; j = j + 1)
            if (s_mag[j])
                s_lz = 5'd26 - j[4:0];
    end
    wire [26:0] n_left  = s_mag[26:0] << s_lz;
    wire [26:0] n_right = {s_mag[27:2], s_mag[1] | s_mag[0]};
    wire [26:0] n_man   = s_mag[27] ? n_right : n_left;
    wire [9:0]  n_exp   = s_mag[27] ? x_exp + 10'd1 : x_exp - {5'd0, s_lz};

    // ---- round to nearest, ties to even ---------------------------------
    wire        r_up   = n_man[2] & (n_man[1] | n_man[0] | n_man[3]);
    wire [24:0] r_man  = {1'b0, n_man[26:3]} + {24'd0, r_up};
    wire [9:0]  r_exp  = r_man[24] ? n_exp + 10'd1 : n_exp;
    wire [22:0] r_frac = r_man[24] ? r_man[23:1] : r_man[22:0];

    always @(*) begin
        if (p_zero)
            d = c;                                       // x + 0 = x
        else if (c_zero)
            d = {p_sign, p_exp[7:0], p_man[22:0]};       // exact: 0 + p
        else if (s_mag == 28'd0)
            d = 32'd0;                                   // exact cancellation: +0
        else if (r_exp >= 10'd255 && !r_exp[9])
            d = {r_sign, 8'hff, 23'd0};                  // overflow: +-inf
        else if (r_exp[9] || r_exp == 10'd0)
            d = {r_sign, 31'd0};                         // underflow: flush to zero
        else
            d = {r_sign, r_exp[7:0], r_frac};
    end
endmodule

`default_nettype wire
