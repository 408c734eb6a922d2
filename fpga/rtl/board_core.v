// board_core.v - what the board computes with: rtl/array_bitmod.v, the
// result buffer its group results are captured into, the on-chip counters
// (BISMO-style stage counters, docs/references.md#bismo) and the host link
// (board_link.v).  Counters 0 .. 6 of READ_COUNTERS live here, in system
// clocks: docs/fpga.md "READ_COUNTERS".
`default_nettype none

module board_core #(
    parameter integer ROWS = 1,
    parameter integer COLS = 2,
    parameter integer LANES = 4,
    parameter integer STEPS = 256,
    parameter integer GROUPS = 16,
    parameter integer RTL_LITERAL_ALIGN = 0,
    parameter [31:0]  BUILD_HASH = 32'h0,
    parameter integer CLK_KHZ = 6000,
    parameter integer CLK_DIV = 2,
    parameter [15:0]  DIV_DEFAULT = 16'd52,
    // derived (do not override)
    parameter integer PES = ROWS * COLS,
    parameter integer TW = 7 * LANES + 1,
    parameter integer RW = (ROWS > 1) ? $clog2(ROWS) : 1,
    parameter integer CW = (COLS > 1) ? $clog2(COLS) : 1,
    parameter integer SW = $clog2(STEPS),
    parameter integer GW = $clog2(GROUPS)
) (
    input  wire clk,
    input  wire rst,          // synchronous, active high: power-on and the button
    input  wire rx,
    output wire tx,
    output wire busy,         // a tile runs
    output wire last_error    // the last reply was not OK
);
    // A fault planted in PE (0, 0) for the tests: only the Verilated
    // harness can switch it on (fpga/sim); in synthesis it is a constant 0.
`ifdef VERILATOR
    reg fault_plant /*verilator public_flat_rw*/ = 1'b0;
`else
    wire fault_plant = 1'b0;
`endif

    wire                wb_we, ab_we, sb_we;
    wire [RW-1:0]       wb_row, sb_row;
    wire [CW-1:0]       ab_col;
    wire [SW+1:0]       wb_addr;
    wire [SW-1:0]       ab_addr;
    wire [GW-1:0]       sb_addr;
    wire [TW-1:0]       wb_data;
    wire [16*LANES-1:0] ab_data;
    wire [16:0]         sb_data;
    wire                arr_start, core_reset;
    wire [GW:0]         cfg_groups;
    wire [SW:0]         cfg_steps;
    wire [2:0]          cfg_cpw;
    wire [4:0]          cfg_dq_bits;
    wire                cfg_literal;
    wire                arr_busy, arr_done, out_valid, stat_compute, stat_dequant;
    wire [GW-1:0]       out_group;
    wire [31:0]         arr_cycles;
    wire [PES*6-1:0]    dq_exp;
    wire [PES*21-1:0]   dq_man;
    wire [PES-1:0]      dq_sign;
    // the PE registers the board does not read back
    wire [PES*6-1:0]    unused_acc_exp;
    wire [PES*15-1:0]   unused_acc_man, unused_dq_in_man;
    wire [PES-1:0]      unused_acc_sign, unused_dq_scale_sign;

    array_bitmod #(.ROWS(ROWS), .COLS(COLS), .STEPS(STEPS), .GROUPS(GROUPS),
                   .RTL_LITERAL_ALIGN(RTL_LITERAL_ALIGN), .LANES(LANES)) u_array (
        .clk(clk), .rst_n(!(rst || core_reset)),
        .wb_we(wb_we), .wb_row(wb_row), .wb_addr(wb_addr), .wb_data(wb_data),
        .ab_we(ab_we), .ab_col(ab_col), .ab_addr(ab_addr), .ab_data(ab_data),
        .sb_we(sb_we), .sb_row(sb_row), .sb_addr(sb_addr), .sb_data(sb_data),
        .start(arr_start), .cfg_groups(cfg_groups), .cfg_steps(cfg_steps),
        .cfg_cpw(cfg_cpw), .cfg_dq_bits(cfg_dq_bits), .literal_align(cfg_literal),
        .fault_en(fault_plant), .fault_row({RW{1'b0}}), .fault_col({CW{1'b0}}),
        .busy(arr_busy), .done(arr_done), .cycles(arr_cycles),
        .out_valid(out_valid), .out_group(out_group),
        .stat_compute(stat_compute), .stat_dequant(stat_dequant),
        .acc_exp(unused_acc_exp), .acc_man(unused_acc_man), .acc_sign(unused_acc_sign),
        .dq_exp(dq_exp), .dq_man(dq_man), .dq_sign(dq_sign),
        .dq_in_man(unused_dq_in_man), .dq_scale_sign(unused_dq_scale_sign));

    // ---- the result buffer: one row of PES words per group ----------------------
    wire [28*PES-1:0] res_in;
    genvar p;
    generate
        for (p = 0; p < PES; p = p + 1) begin : g_res
            assign res_in[28*p +: 28] = {dq_sign[p], dq_exp[6*p +: 6], dq_man[21*p +: 21]};
        end
    endgenerate
    reg  [28*PES-1:0] resmem [0:GROUPS-1];
    reg  [28*PES-1:0] res_row;
    wire [GW-1:0]     res_group;
    reg  [GW:0]       clear_idx;     // RESET clears the rows one per clock
    wire              clearing = (clear_idx != {(GW+1){1'b0}});
    always @(posedge clk) begin
        if (clearing)
            resmem[clear_idx[GW-1:0] - {{(GW-1){1'b0}}, 1'b1}] <= {(28*PES){1'b0}};
        else if (out_valid)
            resmem[out_group] <= res_in;
        res_row <= resmem[res_group];
    end

    // ---- counters ---------------------------------------------------------------
    reg [31:0] compute_cycles, dequant_cycles, idle_cycles;
    // tile_cycles is the array's own count: it holds the last tile's until the next start
    wire [31:0] tile_cycles = arr_cycles;
    reg [31:0] tiles_done, busy_cycles, buffer_write_cycles;
    reg        tile_done, started;
    localparam [31:0] GROUPS32 = GROUPS;
    localparam [GW:0] CLEAR_ALL = GROUPS32[GW:0];
    always @(posedge clk) begin
        if (rst || core_reset) begin
            compute_cycles      <= 32'd0;
            dequant_cycles      <= 32'd0;
            idle_cycles         <= 32'd0;
            tiles_done          <= 32'd0;
            busy_cycles         <= 32'd0;
            buffer_write_cycles <= 32'd0;
            tile_done           <= 1'b0;
            started             <= 1'b0;
            clear_idx           <= CLEAR_ALL;
        end else begin
            if (clearing)
                clear_idx <= clear_idx - {{GW{1'b0}}, 1'b1};
            if (wb_we || ab_we || sb_we)
                buffer_write_cycles <= buffer_write_cycles + 32'd1;
            if (arr_start && !arr_busy) begin
                compute_cycles <= 32'd0;
                dequant_cycles <= 32'd0;
                idle_cycles    <= 32'd0;
                tile_done      <= 1'b0;
                started        <= 1'b1;
            end else if (arr_busy) begin
                busy_cycles <= busy_cycles + 32'd1;
                if (stat_compute)
                    compute_cycles <= compute_cycles + 32'd1;
                if (stat_dequant)
                    dequant_cycles <= dequant_cycles + 32'd1;
                if (!stat_compute && !stat_dequant)
                    idle_cycles <= idle_cycles + 32'd1;
            end
            if (arr_done) begin
                tiles_done  <= tiles_done + 32'd1;
                tile_done   <= 1'b1;
            end
        end
    end

    board_link #(.ROWS(ROWS), .COLS(COLS), .LANES(LANES), .STEPS(STEPS), .GROUPS(GROUPS),
                 .BUILD_HASH(BUILD_HASH), .CLK_KHZ(CLK_KHZ), .CLK_DIV(CLK_DIV),
                 .LITERAL_SEL(RTL_LITERAL_ALIGN), .DIV_DEFAULT(DIV_DEFAULT)) u_link (
        .clk(clk), .rst(rst), .rx(rx), .tx(tx),
        .wb_we(wb_we), .wb_row(wb_row), .wb_addr(wb_addr), .wb_data(wb_data),
        .ab_we(ab_we), .ab_col(ab_col), .ab_addr(ab_addr), .ab_data(ab_data),
        .sb_we(sb_we), .sb_row(sb_row), .sb_addr(sb_addr), .sb_data(sb_data),
        .arr_start(arr_start), .cfg_groups(cfg_groups), .cfg_steps(cfg_steps),
        .cfg_cpw(cfg_cpw), .cfg_dq_bits(cfg_dq_bits), .cfg_literal(cfg_literal),
        .core_reset(core_reset),
        .arr_busy(arr_busy || clearing), .tile_done(tile_done), .started(started),
        .fault_on(fault_plant),
        .core_counters({buffer_write_cycles, busy_cycles, tiles_done, idle_cycles,
                        dequant_cycles, compute_cycles, tile_cycles}),
        .res_group(res_group), .res_row(res_row),
        .last_error(last_error));

    assign busy = arr_busy;
endmodule

`default_nettype wire
