// icebreaker_top.v - the iCEBreaker (iCE40UP5K-SG48) board top: the
// system clock, the power-on and button reset, the LEDs, and board_core.v
// (the BitMoD array and its host link).  Pins: fpga/flow/icebreaker.pcf,
// docs/references.md#icebreaker.
//
// Clocking (docs/fpga.md "Timing closure"): the UP5K PLL makes no clock
// below 16 MHz and the BitMoD PE closes well under 12 MHz, so all the
// board's logic runs in one system clock domain at 12 MHz / CLK_DIV, made
// by a counter on the 12 MHz pin clock (nextpnr puts it on a global
// buffer) and constrained at that rate in the pcf: the router checks every
// path of the design at the clock it runs at.
`default_nettype none

module icebreaker_top #(
    parameter integer CLK_DIV = 2,        // system clock = 12 MHz / CLK_DIV (2 .. 255)
    parameter integer ROWS = 1,
    parameter integer COLS = 2,
    parameter integer LANES = 4,          // 1, 2 or 4: a weight word (7 x LANES + 1 bits) travels in 4 bytes
    parameter integer STEPS = 256,
    parameter integer GROUPS = 16,
    parameter [31:0]  BUILD_HASH = 32'h0
) (
    input  wire clk_12m,
    input  wire uart_rx,
    output wire uart_tx,
    input  wire btn_n,
    output wire led_r_n,
    output wire led_g_n
);
    localparam integer CLK_KHZ = 12000 / CLK_DIV;
    // 115200 baud: the nearest whole number of system clocks per bit
    localparam integer DIV_INT = (CLK_KHZ * 1000 + 57600) / 115200;
    localparam [31:0]  DIV32 = DIV_INT;
    localparam [31:0]  HALF32 = CLK_DIV / 2, LAST32 = CLK_DIV - 1;
    localparam [7:0]   HALF = HALF32[7:0], LAST = LAST32[7:0];

    // ---- the system clock ---------------------------------------------------------
    reg  [7:0] div_count = 8'd0;
    reg        clk_sys_q = 1'b0;
    always @(posedge clk_12m) begin
        div_count <= (div_count == LAST) ? 8'd0 : div_count + 8'd1;
        clk_sys_q <= (div_count < HALF);
    end
    wire clk_sys = clk_sys_q;

    // ---- reset: power-on, then the button (synchronized, active low) ---------------
    reg [3:0] por = 4'd0;
    reg [1:0] btn_sync = 2'b11;
    always @(posedge clk_sys) begin
        btn_sync <= {btn_sync[0], btn_n};
        if (!btn_sync[1])
            por <= 4'd0;
        else if (por != 4'd15)
            por <= por + 4'd1;
    end
    wire rst = (por != 4'd15);

    wire busy, last_error;
    board_core #(.ROWS(ROWS), .COLS(COLS), .LANES(LANES), .STEPS(STEPS), .GROUPS(GROUPS),
                 .RTL_LITERAL_ALIGN(0), .BUILD_HASH(BUILD_HASH), .CLK_KHZ(CLK_KHZ),
                 .CLK_DIV(CLK_DIV), .DIV_DEFAULT(DIV32[15:0])) u_core (
        .clk(clk_sys), .rst(rst), .rx(uart_rx), .tx(uart_tx),
        .busy(busy), .last_error(last_error));

    // ---- LEDs (active low): green blinks while idle, red while a tile runs or
    //      after a request that erred --------------------------------------------------
    reg [22:0] heartbeat = 23'd0;
    always @(posedge clk_sys)
        heartbeat <= heartbeat + 23'd1;
    assign led_g_n = !(heartbeat[22] && !busy);
    assign led_r_n = !(busy || last_error);
endmodule

`default_nettype wire
