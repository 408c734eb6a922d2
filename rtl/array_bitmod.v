// array_bitmod.v - an R x C output-stationary array of BitMoD PEs
// (rtl/pe_bitmod.v) with its tile buffers and a controller that executes
// one tile, lock-step with the C model (sim/engine/tile_prog.c, sim/pe/pe_bitmod.c).
// Full description: docs/rtl.md, "Array".
//
// ---- Mapping (sim/engine/tile_prog.c, output-stationary) ------------------------
// PE (r, c) computes output (n0 + r, m0 + c): the weight terms of row r are
// broadcast along the row, the activations of column c go down the column;
// all PEs run in lock step (one controller, no systolic skew).
//
// ---- Buffers (loaded by the host before start; synchronous writes) --------
// Reads are synchronous too, through registered addresses (one edge ahead,
// so the timing is that of an asynchronous read: block RAM on an FPGA).  A
// word written at an edge is read from the next edge on: load the buffers,
// then start (a separate cycle).
//   weight terms  per row r, address {step, term} (step = g * steps + s,
//                 term 0..3): bits [7i +: 7] = lane i's
//                 {sig[2:0], man, exp[1:0], sign}; bit 7 * LANES (28 for
//                 4 lanes) = valid (0: the row's PEs do not step this
//                 cycle, for a group whose format has fewer terms per
//                 weight than cfg_cpw).
//   activations   per column c, address step: LANES FP16, lane i = [16i +: 16].
//   scales        per row r, address group: {sign, 16-bit unsigned integer}.
//
// ---- Controller timing -----------------------------------------------------
// start (one cycle, while idle) latches cfg_*; the next edge is the tile's
// first working cycle.  Group g (0 .. G-1) owns a slot of
//     slot = max(cfg_steps * cfg_cpw, cfg_dq_bits)
// cycles: its steps (cfg_cpw term cycles each) from the slot's first cycle
// on (group_begin with the first), and, in parallel, the dequantization of
// group g-1 (dequant_begin with its first scale bit in the slot's first
// cycle, then one bit per cycle, MSB first).  After the last group a tail
// of cfg_dq_bits cycles dequantizes it.  So a tile takes
//     G * max(steps * cpw, dq) + dq
// working cycles: sim/pe/pe_bitmod.c's per-group rule (ab_pe_cycles) plus the
// dequantization of the last group (the engine's dequant_cycles delay).
// out_valid is high for one cycle after the edge that took a group's last
// scale bit; dq_* of every PE then hold that group's result (out_group).
// done is high for one cycle after the last working edge; cycles then
// holds the number of working cycles (the start cycle not counted).
//
// stat_compute / stat_dequant say whether the cycle is a term cycle of the
// controller (the PEs step, valid terms or not) and whether the dequantizer
// takes a scale bit: the board counts them (fpga/rtl/board_core.v).
//
// fault_en/fault_row/fault_col are test only (tie fault_en to 0): while
// fault_en is high, PE (fault_row, fault_col) gets fault_flip.
`default_nettype none

module array_bitmod #(
    parameter integer ROWS  = 4,
    parameter integer COLS  = 4,
    parameter integer STEPS = 256,   // activation buffer depth per column (power of 2, <= 512:
                                     // steps * cpw must fit the 12-bit slot counter)
    parameter integer GROUPS = 16,   // scale buffer depth per row (power of 2)
    parameter integer RTL_LITERAL_ALIGN = 2,
    parameter integer LANES = 4,     // lanes per PE (pe_bitmod LANES: a power of two, 1..16)
    // derived (do not override)
    parameter integer TW = 7 * LANES + 1, // weight-buffer word: LANES terms + valid
    parameter integer RW = (ROWS > 1) ? $clog2(ROWS) : 1,
    parameter integer CW = (COLS > 1) ? $clog2(COLS) : 1,
    parameter integer SW = $clog2(STEPS),
    parameter integer GW = $clog2(GROUPS)
) (
    input  wire                   clk,
    input  wire                   rst_n,
    // weight-term buffer write port
    input  wire                   wb_we,
    input  wire [RW-1:0]          wb_row,
    input  wire [SW+1:0]          wb_addr,      // {step, term}
    input  wire [TW-1:0]          wb_data,
    // activation buffer write port
    input  wire                   ab_we,
    input  wire [CW-1:0]          ab_col,
    input  wire [SW-1:0]          ab_addr,      // step
    input  wire [16*LANES-1:0]    ab_data,
    // scale buffer write port
    input  wire                   sb_we,
    input  wire [RW-1:0]          sb_row,
    input  wire [GW-1:0]          sb_addr,      // group
    input  wire [16:0]            sb_data,      // {sign, scale}
    // tile description (sampled with start)
    input  wire                   start,
    input  wire [GW:0]            cfg_groups,   // 1 .. GROUPS
    input  wire [SW:0]            cfg_steps,    // steps per group, 1 .. STEPS / groups
    input  wire [2:0]             cfg_cpw,      // term cycles per step, 1 .. 4
    input  wire [4:0]             cfg_dq_bits,  // scale bits, 1 .. 16
    input  wire                   literal_align,
    // test only
    input  wire                   fault_en,
    input  wire [RW-1:0]          fault_row,
    input  wire [CW-1:0]          fault_col,
    // status
    output reg                    busy,
    output reg                    done,
    output reg  [31:0]            cycles,
    output reg                    out_valid,
    output reg  [GW-1:0]          out_group,
    // what the controller does this cycle (the board's stage counters)
    output wire                   stat_compute,  // the PEs step (a term cycle)
    output wire                   stat_dequant,  // the dequantizer takes a scale bit
    // every PE's registers, PE p = r * COLS + c
    output wire [ROWS*COLS*6-1:0]  acc_exp,
    output wire [ROWS*COLS*15-1:0] acc_man,
    output wire [ROWS*COLS-1:0]    acc_sign,
    output wire [ROWS*COLS*6-1:0]  dq_exp,
    output wire [ROWS*COLS*21-1:0] dq_man,
    output wire [ROWS*COLS-1:0]    dq_sign,
    output wire [ROWS*COLS*15-1:0] dq_in_man,
    output wire [ROWS*COLS-1:0]    dq_scale_sign
);
    // ---- tile description registers ------------------------------------------
    reg [GW:0]   n_groups;
    reg [2:0]    cpw;
    reg [4:0]    dq_bits;
    reg [11:0]   compute_len;   // steps * cpw
    reg [11:0]   slot_len;      // max(compute_len, dq_bits)

    // ---- controller state ------------------------------------------------------
    reg [GW:0]   g;             // group whose slot runs (n_groups: the tail)
    reg [11:0]   k;             // cycle within the slot
    reg [SW-1:0] step_idx;      // global step (buffer address)
    reg [1:0]    term;          // term within the step

    wire [SW:0]  steps_in   = cfg_steps;
    wire [11:0]  clen_in    = {{(11 - SW){1'b0}}, steps_in} * {9'd0, cfg_cpw};
    wire [11:0]  dq_in      = {7'd0, cfg_dq_bits};

    wire         in_tail    = (g == n_groups);
    wire         computing  = busy && !in_tail && (k < compute_len);
    wire         grp_begin  = busy && !in_tail && (k == 12'd0);
    wire [11:0]  dq_len     = {7'd0, dq_bits};
    wire         dq_active  = busy && (g != {(GW+1){1'b0}}) && (k < dq_len);
    wire         dq_start   = dq_active && (k == 12'd0);
    wire         dq_last    = dq_active && (k == dq_len - 12'd1);
    wire [GW-1:0] dq_group  = g[GW-1:0] - {{(GW-1){1'b0}}, 1'b1};  // g - 1
    wire [3:0]   bit_idx    = dq_bits[3:0] - 4'd1 - k[3:0];     // MSB first (16 bits: 15 ..)
    wire [11:0]  cur_len    = in_tail ? dq_len : slot_len;
    wire         slot_end   = busy && (k == cur_len - 12'd1);
    wire         step_end   = ({1'b0, term} == cpw - 3'd1);
    assign stat_compute = computing;
    assign stat_dequant = dq_active;

    // The buffers are read through registered addresses (so an FPGA maps
    // them to block RAM): each edge reads the word the next cycle uses, at
    // the address the controller's registers will hold after that edge.
    // These next-state values repeat the always block's updates below.
    reg [SW-1:0] step_idx_nx;
    reg [1:0]    term_nx;
    reg [GW-1:0] g_nx;          // the low bits: they address the scales
    always @* begin
        step_idx_nx = step_idx;
        term_nx     = term;
        g_nx        = g[GW-1:0];
        if (!rst_n || (!busy && start)) begin
            step_idx_nx = {SW{1'b0}};
            term_nx     = 2'd0;
            g_nx        = {GW{1'b0}};
        end else if (busy) begin
            if (computing) begin
                if (step_end) begin
                    term_nx     = 2'd0;
                    step_idx_nx = step_idx + {{(SW-1){1'b0}}, 1'b1};
                end else begin
                    term_nx = term + 2'd1;
                end
            end
            if (slot_end && !in_tail)
                g_nx = g[GW-1:0] + {{(GW-1){1'b0}}, 1'b1};
        end
    end
    wire [GW-1:0] dq_group_nx = g_nx - {{(GW-1){1'b0}}, 1'b1};

    always @(posedge clk) begin
        if (!rst_n) begin
            busy        <= 1'b0;
            done        <= 1'b0;
            cycles      <= 32'd0;
            out_valid   <= 1'b0;
            out_group   <= {GW{1'b0}};
            n_groups    <= {(GW+1){1'b0}};
            cpw         <= 3'd1;
            dq_bits     <= 5'd1;
            compute_len <= 12'd0;
            slot_len    <= 12'd0;
            g           <= {(GW+1){1'b0}};
            k           <= 12'd0;
            step_idx    <= {SW{1'b0}};
            term        <= 2'd0;
        end else begin
            done      <= 1'b0;
            out_valid <= dq_last;
            if (dq_last)
                out_group <= dq_group;
            if (!busy) begin
                if (start) begin
                    busy        <= 1'b1;
                    cycles      <= 32'd0;
                    n_groups    <= cfg_groups;
                    cpw         <= cfg_cpw;
                    dq_bits     <= cfg_dq_bits;
                    compute_len <= clen_in;
                    slot_len    <= (clen_in > dq_in) ? clen_in : dq_in;
                    g           <= {(GW+1){1'b0}};
                    k           <= 12'd0;
                    step_idx    <= {SW{1'b0}};
                    term        <= 2'd0;
                end
            end else begin
                cycles <= cycles + 32'd1;
                if (computing) begin
                    if (step_end) begin
                        term     <= 2'd0;
                        step_idx <= step_idx + {{(SW-1){1'b0}}, 1'b1};
                    end else begin
                        term <= term + 2'd1;
                    end
                end
                if (slot_end) begin
                    k <= 12'd0;
                    if (in_tail) begin
                        busy <= 1'b0;
                        done <= 1'b1;
                    end else begin
                        g <= g + {{GW{1'b0}}, 1'b1};
                    end
                end else begin
                    k <= k + 12'd1;
                end
            end
        end
    end

    // ---- buffers ----------------------------------------------------------------
    wire [ROWS*TW-1:0]       row_term;
    wire [ROWS*17-1:0]       row_scale;
    wire [COLS*16*LANES-1:0] col_act;

    genvar r, c;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : g_wbuf
            localparam [RW-1:0] RI = r[RW-1:0];
            reg [TW-1:0] wmem [0:4*STEPS-1];
            reg [16:0] smem [0:GROUPS-1];
            reg [TW-1:0] wrd;
            reg [16:0] srd;
            always @(posedge clk) begin
                if (wb_we && wb_row == RI)
                    wmem[wb_addr] <= wb_data;
                wrd <= wmem[{step_idx_nx, term_nx}];
            end
            always @(posedge clk) begin
                if (sb_we && sb_row == RI)
                    smem[sb_addr] <= sb_data;
                srd <= smem[dq_group_nx];
            end
            assign row_term[TW*r +: TW]  = wrd;
            assign row_scale[17*r +: 17] = srd;
        end
        for (c = 0; c < COLS; c = c + 1) begin : g_abuf
            localparam [CW-1:0] CI = c[CW-1:0];
            reg [16*LANES-1:0] amem [0:STEPS-1];
            reg [16*LANES-1:0] ard;
            always @(posedge clk) begin
                if (ab_we && ab_col == CI)
                    amem[ab_addr] <= ab_data;
                ard <= amem[step_idx_nx];
            end
            assign col_act[16*LANES*c +: 16*LANES] = ard;
        end
    endgenerate

    // ---- the PEs ------------------------------------------------------------------
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : g_row
            localparam [RW-1:0] RI = r[RW-1:0];
            wire [TW-1:0] wt = row_term[TW*r +: TW];
            wire [16:0] sc = row_scale[17*r +: 17];
            // lane i's term: wt[7i +: 7] = {sig[2:0], man, exp[1:0], sign}
            wire [LANES-1:0]   w_sign;
            wire [2*LANES-1:0] w_exp;
            wire [LANES-1:0]   w_man;
            wire [3*LANES-1:0] w_sig;
            for (c = 0; c < LANES; c = c + 1) begin : g_term
                assign w_sign[c]       = wt[7*c];
                assign w_exp[2*c +: 2] = wt[7*c + 1 +: 2];
                assign w_man[c]        = wt[7*c + 3];
                assign w_sig[3*c +: 3] = wt[7*c + 4 +: 3];
            end
            wire [15:0] smag   = sc[15:0];
            wire        sbit   = smag[bit_idx];
            for (c = 0; c < COLS; c = c + 1) begin : g_col
                localparam [CW-1:0] CI = c[CW-1:0];
                localparam integer P = r * COLS + c;
                // the PE's debug view is not used here
                wire [5:0]  unused_max_exp;
                wire [6*LANES-1:0]  unused_delta;
                wire [15*LANES-1:0] unused_lane;
                wire [15+$clog2(LANES)-1:0] unused_bs_out;
                wire [21+$clog2(LANES)-1:0] unused_acc_sum;
                wire [3:0]  unused_norm_shift;
                wire        unused_sig_conflict;
                // the controller times the tile itself (done, cycles)
                wire        unused_unit_done;
                wire [31:0] unused_unit_cycles;
                pe_bitmod #(.RTL_LITERAL_ALIGN(RTL_LITERAL_ALIGN), .LANES(LANES)) u_pe (
                    .clk              (clk),
                    .rst_n            (rst_n),
                    .step_valid       (computing && wt[TW-1]),
                    .act              (col_act[16*LANES*c +: 16*LANES]),
                    .w_sign           (w_sign),
                    .w_exp            (w_exp),
                    .w_man            (w_man),
                    .w_sig            (w_sig),
                    .group_begin      (grp_begin),
                    .dequant_begin    (dq_start),
                    .scale_sign       (sc[16]),
                    .dequant_step     (dq_active),
                    .scale_bit        (sbit),
                    .unit_begin       (1'b0),
                    .unit_last        (1'b0),
                    .scale_len        (5'd0),
                    .literal_align    (literal_align),
                    .fault_flip       (fault_en && fault_row == RI && fault_col == CI),
                    .acc_exp          (acc_exp[6*P +: 6]),
                    .acc_man          (acc_man[15*P +: 15]),
                    .acc_sign         (acc_sign[P]),
                    .dq_exp           (dq_exp[6*P +: 6]),
                    .dq_man           (dq_man[21*P +: 21]),
                    .dq_sign          (dq_sign[P]),
                    .dq_in_man        (dq_in_man[15*P +: 15]),
                    .dq_scale_sign    (dq_scale_sign[P]),
                    .unit_done        (unused_unit_done),
                    .unit_cycles      (unused_unit_cycles),
                    .dbg_max_exp      (unused_max_exp),
                    .dbg_delta        (unused_delta),
                    .dbg_lane         (unused_lane),
                    .dbg_bs_out       (unused_bs_out),
                    .dbg_acc_sum      (unused_acc_sum),
                    .dbg_norm_shift   (unused_norm_shift),
                    .dbg_sig_conflict (unused_sig_conflict)
                );
            end
        end
    endgenerate
endmodule

`default_nettype wire
