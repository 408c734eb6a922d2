// board_link.v - the board's end of the host link: the UART, the request
// parser, the command executor and the reply generator of the packet
// protocol in docs/fpga.md (version 1), which is the contract this file
// keeps byte for byte.  A request is executed only after its CRC checked:
// a WRITE's payload waits in a staging buffer (block RAM) and is copied into
// the array's buffers afterwards, so a corrupt request changes nothing.
// Every request gets one reply; a request cut short times out after 256 bit
// times.  The counters of the link itself (packets, CRC errors, link
// errors) live here; the array's live in board_core.v.
`default_nettype none

module board_link #(
    parameter integer ROWS = 1,
    parameter integer COLS = 2,
    parameter integer LANES = 4,
    parameter integer STEPS = 256,
    parameter integer GROUPS = 16,
    parameter [31:0]  BUILD_HASH = 32'h0,
    parameter integer CLK_KHZ = 6000,
    parameter integer CLK_DIV = 2,
    parameter integer LITERAL_SEL = 0,   // array's RTL_LITERAL_ALIGN: 0, 1 fixed; 2 chosen by START
    parameter [15:0]  DIV_DEFAULT = 16'd52,
    // derived (do not override)
    parameter integer PES = ROWS * COLS,
    parameter integer TW = 7 * LANES + 1,
    parameter integer RW = (ROWS > 1) ? $clog2(ROWS) : 1,
    parameter integer CW = (COLS > 1) ? $clog2(COLS) : 1,
    parameter integer SW = $clog2(STEPS),
    parameter integer GW = $clog2(GROUPS)
) (
    input  wire                 clk,
    input  wire                 rst,            // power-on / button: also restores the baud
    input  wire                 rx,
    output wire                 tx,
    // the array's buffer write ports
    output reg                  wb_we,
    output reg  [RW-1:0]        wb_row,
    output reg  [SW+1:0]        wb_addr,
    output wire [TW-1:0]        wb_data,
    output reg                  ab_we,
    output reg  [CW-1:0]        ab_col,
    output reg  [SW-1:0]        ab_addr,
    output wire [16*LANES-1:0]  ab_data,
    output reg                  sb_we,
    output reg  [RW-1:0]        sb_row,
    output reg  [GW-1:0]        sb_addr,
    output wire [16:0]          sb_data,
    // tile start
    output reg                  arr_start,
    output reg  [GW:0]          cfg_groups,
    output reg  [SW:0]          cfg_steps,
    output reg  [2:0]           cfg_cpw,
    output reg  [4:0]           cfg_dq_bits,
    output reg                  cfg_literal,
    // RESET: the core clears the array, the results and its counters
    output reg                  core_reset,
    // state from the core
    input  wire                 arr_busy,
    input  wire                 tile_done,      // the last tile finished
    input  wire                 started,        // a tile was started since RESET
    input  wire                 fault_on,
    input  wire [32*7-1:0]      core_counters,  // counters 0..6 of READ_COUNTERS
    // the result buffer: one row per group, PE p's word at [28p +: 28]
    output reg  [GW-1:0]        res_group,
    input  wire [28*PES-1:0]    res_row,        // res_group's row, one clock after it is set
    // status
    output reg                  last_error      // the last reply was not OK
);
    localparam [7:0] CMD_IDENTIFY = 8'h01, CMD_RESET = 8'h02, CMD_SET_BAUD = 8'h03,
                     CMD_WRITE = 8'h10, CMD_START = 8'h20, CMD_STATUS = 8'h21,
                     CMD_READ_RESULTS = 8'h30, CMD_READ_COUNTERS = 8'h31;
    localparam [7:0] ST_OK = 8'h00, E_CRC = 8'h01, E_CMD = 8'h02, E_LEN = 8'h03,
                     E_ARG = 8'h04, E_BUSY = 8'h05, E_TIMEOUT = 8'h06;
    localparam integer AW_LOG = $clog2(2 * LANES);   // activation word bytes, log2

    // ---- baud divisor -------------------------------------------------------------
    reg  [15:0] divisor;
    reg  [15:0] divisor_next;     // SET_BAUD: applied after its reply
    reg         divisor_pending;

    // ---- UART -----------------------------------------------------------------------
    wire        rx_valid, rx_err;
    wire [7:0]  rx_byte;
    reg         tx_send;
    reg  [7:0]  tx_byte;
    wire        tx_busy;
    uart_rx u_rx (.clk(clk), .rst(rst), .divisor(divisor), .rx(rx),
                  .valid(rx_valid), .data(rx_byte), .frame_err(rx_err));
    uart_tx u_tx (.clk(clk), .rst(rst), .divisor(divisor), .send(tx_send),
                  .data(tx_byte), .tx(tx), .busy(tx_busy));

    // ---- link counters (READ_COUNTERS 7, 8, 9) ---------------------------------------
    reg  [31:0] packets_ok, crc_errors, link_errors;

    // ---- state ------------------------------------------------------------------------
    localparam [4:0] P_SYNC = 5'd0, P_CMD = 5'd1, P_LEN0 = 5'd2, P_LEN1 = 5'd3,
                     P_PAY = 5'd4, P_CRC0 = 5'd5, P_CRC1 = 5'd6, P_DRAIN = 5'd7,
                     X_EXEC = 5'd8, X_WR_ADDR = 5'd9, X_WR_DATA = 5'd10,
                     X_DIVIDE = 5'd11, R_BYTE = 5'd12, R_FETCH = 5'd13, R_FETCH2 = 5'd14,
                     R_SEND = 5'd15, R_WAIT = 5'd16, R_WAIT2 = 5'd17, X_WR_LAST = 5'd18;
    reg  [4:0]  state;
    reg  [7:0]  cmd;
    reg         cmd_read;         // CMD was received (else replies echo 0xFF)
    reg  [15:0] len;
    reg  [8:0]  pidx;             // payload bytes received
    reg  [7:0]  h0, h1, h2, h3, h4, h5;   // the payload's first six bytes
    reg  [15:0] crc;              // running CRC of the request / the reply
    reg  [7:0]  crc_lo;
    wire [15:0] crc_rx_next;
    wire [15:0] crc_tx_next;

    // the staging buffer (block RAM)
    reg  [7:0]  stage [0:255];
    reg  [7:0]  stage_q;          // stage[wpos], one clock later

    // the request timeout: 256 bit times since the last byte
    reg  [15:0] tmo_clk;
    reg  [7:0]  tmo_bits;
    wire        tmo_tick  = (tmo_clk == divisor - 16'd1);
    wire        timed_out = tmo_tick && (tmo_bits == 8'd255);

    // executor
    reg  [1:0]  wbuf;
    /* verilator lint_off UNUSEDSIGNAL */ // only the low bits address a row or column
    reg  [7:0]  windex;
    /* verilator lint_on UNUSEDSIGNAL */
    reg  [6:0]  rcount;           // READ_RESULTS: words (<= 64)
    reg  [SW+1:0] waddr;          // address of the word being assembled
    reg  [8:0]  wpos;             // staging position read next
    reg  [3:0]  wbyte;            // byte within the word
    reg  [4:0]  wbytes;           // word bytes (4 or 2 * LANES)
    // bytes arrive LSB first and shift in from the top: a 4-byte word ends
    // in the top 32 bits, an activation word fills the register
    localparam integer WW = (16 * LANES > 32) ? 16 * LANES : 32;
    reg  [WW-1:0] wword;

    // reply
    reg  [7:0]  r_status;
    reg  [8:0]  r_len;            // payload bytes, <= 256
    reg  [8:0]  rpos;             // reply byte index (0: the sync byte)
    reg  [15:0] res_pe;           // READ_RESULTS: PE of the next word (the address while dividing)
    reg  [27:0] res_word;
    reg  [7:0]  pbyte;            // the payload byte at rpos

    crc16_ccitt u_crc_rx (.crc_in(crc), .data(rx_byte), .crc_out(crc_rx_next));
    reg  [7:0]  rbyte;            // the reply's byte at rpos
    crc16_ccitt u_crc_tx (.crc_in(crc), .data(rbyte), .crc_out(crc_tx_next));

    // ---- request fields --------------------------------------------------------------
    localparam [31:0] DEPTH_W32 = 4 * STEPS, DEPTH_A32 = STEPS, DEPTH_S32 = GROUPS;
    localparam [31:0] ROWS32 = ROWS, COLS32 = COLS, LANES32 = LANES, GROUPS32 = GROUPS;
    localparam [31:0] STEPS32 = STEPS, RESULTS32 = GROUPS * PES, PES32 = PES;
    localparam [31:0] AW_BYTES32 = 2 * LANES, DIV32 = CLK_DIV, KHZ32 = CLK_KHZ;
    localparam [31:0] LITERAL32 = (LITERAL_SEL == 1) ? 1 : 0;
    localparam [15:0] DEPTH_W = DEPTH_W32[15:0], DEPTH_A = DEPTH_A32[15:0], DEPTH_S = DEPTH_S32[15:0];
    localparam [15:0] N_ROWS = ROWS32[15:0], N_COLS = COLS32[15:0], N_GROUPS = GROUPS32[15:0];
    localparam [23:0] N_STEPS = STEPS32[23:0], N_RESULTS = RESULTS32[23:0];
    localparam [15:0] N_PES = PES32[15:0];
    localparam [7:0]  LITERAL_FIXED = LITERAL32[7:0];
    localparam [4:0]  AW_BYTES = AW_BYTES32[4:0];
    localparam [7:0]  B_ROWS = ROWS32[7:0], B_COLS = COLS32[7:0], B_LANES = LANES32[7:0], B_DIV = DIV32[7:0];
    localparam [15:0] W_STEPS = STEPS32[15:0], W_GROUPS = GROUPS32[15:0], W_KHZ = KHZ32[15:0];
    wire [15:0] f_addr   = {h3, h2};
    wire [15:0] f_div    = {h1, h0};
    wire [15:0] f_steps  = {h2, h1};
    wire [15:0] f_raddr  = {h1, h0};
    wire [4:0]  w_bytes  = (h0 == 8'd1) ? AW_BYTES : 5'd4;
    wire [15:0] w_data_len = len - 16'd4;
    wire [15:0] w_mask   = {11'd0, w_bytes} - 16'd1;
    wire [15:0] w_count  = (h0 == 8'd1) ? (w_data_len >> AW_LOG) : (w_data_len >> 2);
    wire [15:0] w_depth  = (h0 == 8'd0) ? DEPTH_W : (h0 == 8'd1) ? DEPTH_A : DEPTH_S;
    wire [15:0] w_index_lim = (h0 == 8'd1) ? N_COLS : N_ROWS;
    wire [23:0] steps_total = {16'd0, h0} * {8'd0, f_steps};
    wire        literal_ok = (LITERAL_SEL == 2) ? (h5 <= 8'd1) : (h5 == LITERAL_FIXED);

    // ---- payload bytes of a reply -----------------------------------------------------
    /* verilator lint_off UNUSEDSIGNAL */ // the byte's place in a payload needs 6 bits
    wire [8:0]  pi_full = rpos - 9'd5;
    /* verilator lint_on UNUSEDSIGNAL */
    wire in_payload = (rpos >= 9'd5) && (rpos < r_len + 9'd5);
    wire crc_byte   = (rpos >= 9'd1) && (rpos < r_len + 9'd5);
    wire last_byte  = (rpos == r_len + 9'd6);
    wire [5:0]  pi = pi_full[5:0];          // payload index (payloads end before 64 here but READ_RESULTS, whose bytes repeat every 4)
    reg  [31:0] counter_word;
    always @* begin
        case (pi[5:2])
            4'd7:    counter_word = packets_ok;
            4'd8:    counter_word = crc_errors;
            4'd9:    counter_word = link_errors;
            4'd0:    counter_word = core_counters[0 +: 32];
            4'd1:    counter_word = core_counters[32 +: 32];
            4'd2:    counter_word = core_counters[64 +: 32];
            4'd3:    counter_word = core_counters[96 +: 32];
            4'd4:    counter_word = core_counters[128 +: 32];
            4'd5:    counter_word = core_counters[160 +: 32];
            4'd6:    counter_word = core_counters[192 +: 32];
            default: counter_word = 32'd0;
        endcase
    end
    wire [31:0] tiles_done_w = core_counters[128 +: 32];
    always @* begin
        pbyte = 8'h00;
        case (cmd)
            CMD_IDENTIFY:
                case (pi[4:0])
                    5'd0:  pbyte = 8'h41;             // 'A'
                    5'd1:  pbyte = 8'h42;             // 'B'
                    5'd2:  pbyte = 8'h49;             // 'I'
                    5'd3:  pbyte = 8'h54;             // 'T'
                    5'd4:  pbyte = 8'd1;              // protocol version
                    5'd5:  pbyte = B_ROWS;
                    5'd6:  pbyte = B_COLS;
                    5'd7:  pbyte = B_LANES;
                    5'd8:  pbyte = W_STEPS[7:0];
                    5'd9:  pbyte = W_STEPS[15:8];
                    5'd10: pbyte = W_GROUPS[7:0];
                    5'd11: pbyte = W_GROUPS[15:8];
                    5'd12: pbyte = BUILD_HASH[7:0];
                    5'd13: pbyte = BUILD_HASH[15:8];
                    5'd14: pbyte = BUILD_HASH[23:16];
                    5'd15: pbyte = BUILD_HASH[31:24];
                    5'd16: pbyte = W_KHZ[7:0];
                    5'd17: pbyte = W_KHZ[15:8];
                    5'd18: pbyte = B_DIV;
                    5'd19: pbyte = {7'd0, fault_on};
                    5'd20: pbyte = divisor[7:0];
                    5'd21: pbyte = divisor[15:8];
                    5'd22: pbyte = 8'h00;             // largest payload: 256
                    5'd23: pbyte = 8'h01;
                    default: pbyte = 8'h00;
                endcase
            CMD_STATUS:
                case (pi[2:0])
                    3'd0: pbyte = {5'd0, started, tile_done, arr_busy};
                    3'd4: pbyte = tiles_done_w[7:0];
                    3'd5: pbyte = tiles_done_w[15:8];
                    3'd6: pbyte = tiles_done_w[23:16];
                    3'd7: pbyte = tiles_done_w[31:24];
                    default: pbyte = 8'h00;
                endcase
            CMD_READ_COUNTERS:
                case (pi[1:0])
                    2'd0: pbyte = counter_word[7:0];
                    2'd1: pbyte = counter_word[15:8];
                    2'd2: pbyte = counter_word[23:16];
                    default: pbyte = counter_word[31:24];
                endcase
            CMD_READ_RESULTS:
                case (pi[1:0])
                    2'd0: pbyte = res_word[7:0];
                    2'd1: pbyte = res_word[15:8];
                    2'd2: pbyte = res_word[23:16];
                    default: pbyte = {4'd0, res_word[27:24]};
                endcase
            default:
                pbyte = 8'h00;
        endcase
    end

    always @* begin
        if (rpos == 9'd0)
            rbyte = 8'h5A;
        else if (rpos == 9'd1)
            rbyte = cmd_read ? cmd : 8'hFF;
        else if (rpos == 9'd2)
            rbyte = r_status;
        else if (rpos == 9'd3)
            rbyte = r_len[7:0];
        else if (rpos == 9'd4)
            rbyte = {7'd0, r_len[8]};
        else if (in_payload)
            rbyte = pbyte;
        else if (rpos == r_len + 9'd5)
            rbyte = crc[7:0];
        else
            rbyte = crc[15:8];
    end

    assign wb_data = wword[WW-32 +: TW];
    assign sb_data = wword[WW-32 +: 17];
    assign ab_data = wword[WW-16*LANES +: 16*LANES];

    // READ_RESULTS: PE res_pe's word of the fetched row
    reg [27:0] res_sel;
    integer p;
    always @* begin
        res_sel = 28'd0;
        for (p = 0; p < PES; p = p + 1)
            if (res_pe == p[15:0])
                res_sel = res_row[28*p +: 28];
    end

    // the staging buffer's ports (block RAM: one write, one registered read)
    always @(posedge clk) begin
        if ((state == P_PAY) && rx_valid && !timed_out)
            stage[pidx[7:0]] <= rx_byte;
        stage_q <= stage[wpos[7:0]];
    end

    // ---- the machine ---------------------------------------------------------------------
    task automatic reply(input [7:0] status, input [8:0] plen);
        begin
            r_status <= status;
            r_len    <= (status == ST_OK) ? plen : 9'd0;
            rpos     <= 9'd0;
            crc      <= 16'hFFFF;
            state    <= R_BYTE;
        end
    endtask

    always @(posedge clk) begin
        wb_we      <= 1'b0;
        ab_we      <= 1'b0;
        sb_we      <= 1'b0;
        arr_start  <= 1'b0;
        core_reset <= 1'b0;
        tx_send    <= 1'b0;
        if (rst) begin
            divisor         <= DIV_DEFAULT;
            divisor_next    <= DIV_DEFAULT;
            divisor_pending <= 1'b0;
            state           <= P_SYNC;
            cmd             <= 8'h00;
            cmd_read        <= 1'b0;
            len             <= 16'd0;
            pidx            <= 9'd0;
            crc             <= 16'hFFFF;
            crc_lo          <= 8'h00;
            tmo_clk         <= 16'd0;
            tmo_bits        <= 8'd0;
            packets_ok      <= 32'd0;
            crc_errors      <= 32'd0;
            link_errors     <= 32'd0;
            r_status        <= ST_OK;
            r_len           <= 9'd0;
            rpos            <= 9'd0;
            last_error      <= 1'b0;
            wpos            <= 9'd0;
            cfg_groups      <= {(GW+1){1'b0}};
            cfg_steps       <= {(SW+1){1'b0}};
            cfg_cpw         <= 3'd1;
            cfg_dq_bits     <= 5'd1;
            cfg_literal     <= 1'b0;
            core_reset      <= 1'b1;
        end else begin
            if (rx_err)
                link_errors <= link_errors + 32'd1;
            // the request timeout runs while a request is partly received
            if (state == P_SYNC || state > P_DRAIN || rx_valid) begin
                tmo_clk  <= 16'd0;
                tmo_bits <= 8'd0;
            end else if (tmo_tick) begin
                tmo_clk  <= 16'd0;
                tmo_bits <= tmo_bits + 8'd1;
            end else begin
                tmo_clk <= tmo_clk + 16'd1;
            end

            case (state)
                // ---- receiving a request ----
                P_SYNC:
                    if (rx_valid) begin
                        if (rx_byte == 8'hA5) begin
                            state    <= P_CMD;
                            crc      <= 16'hFFFF;
                            cmd_read <= 1'b0;
                        end else begin
                            link_errors <= link_errors + 32'd1;
                        end
                    end
                P_CMD, P_LEN0, P_LEN1, P_PAY, P_CRC0, P_CRC1:
                    if (timed_out) begin
                        link_errors <= link_errors + 32'd1;
                        reply(E_TIMEOUT, 9'd0);
                    end else if (rx_valid) begin
                        if (state != P_CRC0 && state != P_CRC1)
                            crc <= crc_rx_next;
                        case (state)
                            P_CMD: begin
                                cmd      <= rx_byte;
                                cmd_read <= 1'b1;
                                state    <= P_LEN0;
                            end
                            P_LEN0: begin
                                len[7:0] <= rx_byte;
                                state    <= P_LEN1;
                            end
                            P_LEN1: begin
                                len[15:8] <= rx_byte;
                                pidx      <= 9'd0;
                                if ({rx_byte, len[7:0]} > 16'd256)
                                    state <= P_DRAIN;
                                else if ({rx_byte, len[7:0]} == 16'd0)
                                    state <= P_CRC0;
                                else
                                    state <= P_PAY;
                            end
                            P_PAY: begin
                                case (pidx)
                                    9'd0: h0 <= rx_byte;
                                    9'd1: h1 <= rx_byte;
                                    9'd2: h2 <= rx_byte;
                                    9'd3: h3 <= rx_byte;
                                    9'd4: h4 <= rx_byte;
                                    9'd5: h5 <= rx_byte;
                                    default: ;
                                endcase
                                pidx <= pidx + 9'd1;
                                if ({7'd0, pidx} == len - 16'd1)
                                    state <= P_CRC0;
                            end
                            P_CRC0: begin
                                crc_lo <= rx_byte;
                                state  <= P_CRC1;
                            end
                            default: begin // P_CRC1
                                if ({rx_byte, crc_lo} == crc) begin
                                    state <= X_EXEC;
                                end else begin
                                    crc_errors <= crc_errors + 32'd1;
                                    reply(E_CRC, 9'd0);
                                end
                            end
                        endcase
                    end
                P_DRAIN:
                    if (timed_out)
                        reply(E_LEN, 9'd0);

                // ---- executing it ----
                X_EXEC:
                    case (cmd)
                        CMD_IDENTIFY:
                            reply((len == 16'd0) ? ST_OK : E_LEN, 9'd24);
                        CMD_RESET:
                            if (len != 16'd0) begin
                                reply(E_LEN, 9'd0);
                            end else begin
                                core_reset  <= 1'b1;
                                packets_ok  <= 32'd0;
                                crc_errors  <= 32'd0;
                                link_errors <= 32'd0;
                                reply(ST_OK, 9'd0);
                            end
                        CMD_SET_BAUD:
                            if (len != 16'd2) begin
                                reply(E_LEN, 9'd0);
                            end else if (f_div < 16'd4) begin
                                reply(E_ARG, 9'd0);
                            end else begin
                                divisor_next    <= f_div;
                                divisor_pending <= 1'b1;
                                reply(ST_OK, 9'd0);
                            end
                        CMD_WRITE:
                            if (len <= 16'd4 || (w_data_len & w_mask) != 16'd0)
                                reply(E_LEN, 9'd0);
                            else if (arr_busy)
                                reply(E_BUSY, 9'd0);
                            else if (h0 > 8'd2 || {8'd0, h1} >= w_index_lim ||
                                     {1'b0, f_addr} + {1'b0, w_count} > {1'b0, w_depth})
                                reply(E_ARG, 9'd0);
                            else begin
                                wbuf   <= h0[1:0];
                                windex <= h1;
                                waddr  <= f_addr[SW+1:0];
                                wbytes <= w_bytes;
                                wpos   <= 9'd4;
                                wbyte  <= 4'd0;
                                state  <= X_WR_ADDR;
                            end
                        CMD_START:
                            if (len != 16'd6)
                                reply(E_LEN, 9'd0);
                            else if (arr_busy)
                                reply(E_BUSY, 9'd0);
                            else if (h0 == 8'd0 || {8'd0, h0} > N_GROUPS ||
                                     f_steps == 16'd0 || steps_total > N_STEPS ||
                                     h3 == 8'd0 || h3 > 8'd4 ||
                                     h4 == 8'd0 || h4 > 8'd16 || !literal_ok)
                                reply(E_ARG, 9'd0);
                            else begin
                                cfg_groups  <= h0[GW:0];
                                cfg_steps   <= f_steps[SW:0];
                                cfg_cpw     <= h3[2:0];
                                cfg_dq_bits <= h4[4:0];
                                cfg_literal <= h5[0];
                                arr_start   <= 1'b1;
                                reply(ST_OK, 9'd0);
                            end
                        CMD_STATUS:
                            reply((len == 16'd0) ? ST_OK : E_LEN, 9'd8);
                        CMD_READ_RESULTS:
                            if (len != 16'd3)
                                reply(E_LEN, 9'd0);
                            else if (arr_busy)
                                reply(E_BUSY, 9'd0);
                            else if (h2 == 8'd0 || h2 > 8'd64 ||
                                     {8'd0, f_raddr} + {16'd0, h2} > N_RESULTS)
                                reply(E_ARG, 9'd0);
                            else begin
                                // addr = group * PES + pe, by subtraction
                                res_group <= {GW{1'b0}};
                                res_pe    <= f_raddr;
                                rcount    <= h2[6:0];
                                state     <= X_DIVIDE;
                            end
                        CMD_READ_COUNTERS:
                            reply((len == 16'd0) ? ST_OK : E_LEN, 9'd40);
                        default:
                            reply(E_CMD, 9'd0);
                    endcase

                // WRITE: staging bytes 4 .. len-1 into words, LE, one write per word
                X_WR_ADDR:
                    state <= X_WR_DATA;          // stage_q <= stage[wpos] at this edge
                X_WR_DATA: begin
                    wpos  <= wpos + 9'd1;
                    wword <= {stage_q, wword[WW-1:8]};
                    state <= X_WR_ADDR;
                    if ({1'b0, wbyte} == wbytes - 5'd1) begin
                        // the word is complete after this edge: write it at the next
                        wbyte <= 4'd0;
                        case (wbuf)
                            2'd0: begin
                                wb_we   <= 1'b1;
                                wb_row  <= windex[RW-1:0];
                                wb_addr <= waddr;
                            end
                            2'd1: begin
                                ab_we   <= 1'b1;
                                ab_col  <= windex[CW-1:0];
                                ab_addr <= waddr[SW-1:0];
                            end
                            default: begin
                                sb_we   <= 1'b1;
                                sb_row  <= windex[RW-1:0];
                                sb_addr <= waddr[GW-1:0];
                            end
                        endcase
                        waddr <= waddr + {{(SW+1){1'b0}}, 1'b1};
                    end else begin
                        wbyte <= wbyte + 4'd1;
                    end
                    if ({7'd0, wpos} == len - 16'd1)
                        state <= X_WR_LAST;
                end
                X_WR_LAST:                       // the last word's write is this cycle
                    reply(ST_OK, 9'd0);

                X_DIVIDE:
                    if (res_pe >= N_PES) begin
                        res_pe    <= res_pe - N_PES;
                        res_group <= res_group + {{(GW-1){1'b0}}, 1'b1};
                    end else begin
                        reply(ST_OK, {rcount, 2'b00});
                    end

                // ---- replying ----
                R_BYTE:
                    state <= (cmd == CMD_READ_RESULTS && r_status == ST_OK && in_payload &&
                              pi[1:0] == 2'd0) ? R_FETCH : R_SEND;
                R_FETCH:
                    state <= R_FETCH2;           // res_row <= the row of res_group
                R_FETCH2: begin
                    res_word <= res_sel;
                    if (res_pe == N_PES - 16'd1) begin
                        res_pe    <= 16'd0;
                        res_group <= res_group + {{(GW-1){1'b0}}, 1'b1};
                    end else begin
                        res_pe <= res_pe + 16'd1;
                    end
                    state <= R_SEND;
                end
                R_SEND:
                    if (!tx_busy) begin
                        tx_byte <= rbyte;
                        tx_send <= 1'b1;
                        if (crc_byte)
                            crc <= crc_tx_next;
                        state <= R_WAIT;
                    end
                R_WAIT:
                    state <= R_WAIT2;            // busy rises
                R_WAIT2:
                    if (!tx_busy) begin
                        if (last_byte) begin
                            if (divisor_pending) begin
                                divisor         <= divisor_next;
                                divisor_pending <= 1'b0;
                            end
                            if (r_status == ST_OK)
                                packets_ok <= packets_ok + 32'd1;
                            last_error <= (r_status != ST_OK);
                            state      <= P_SYNC;
                        end else begin
                            rpos  <= rpos + 9'd1;
                            state <= R_BYTE;
                        end
                    end
                default:
                    state <= P_SYNC;
            endcase
        end
    end
endmodule

`default_nettype wire
