// uart_rx.v - 8N1 UART receiver with a run-time baud divisor (system clocks
// per bit).  The line is synchronized by two flip-flops; a falling edge
// starts a frame, the start bit is checked again half a bit later (a glitch
// shorter than that is ignored), then each data bit is sampled mid-bit,
// LSB first, and the stop bit must be high: otherwise frame_err pulses and
// the byte is dropped.  docs/fpga.md "The packet protocol".
`default_nettype none

module uart_rx (
    input  wire        clk,
    input  wire        rst,       // synchronous, active high
    input  wire [15:0] divisor,   // clocks per bit, >= 4
    input  wire        rx,        // the pin (asynchronous)
    output reg         valid,     // one cycle: data holds a byte
    output reg  [7:0]  data,
    output reg         frame_err  // one cycle: a frame without its stop bit
);
    reg [1:0]  sync;              // sync[1] is the synchronized line
    reg [1:0]  state;             // 0 idle, 1 start, 2 data, 3 stop
    reg [15:0] count;             // clocks left to the next sample
    reg [2:0]  bit_n;
    reg [7:0]  shift;
    localparam [1:0] S_IDLE = 2'd0, S_START = 2'd1, S_DATA = 2'd2, S_STOP = 2'd3;

    always @(posedge clk) begin
        sync      <= {sync[0], rx};
        valid     <= 1'b0;
        frame_err <= 1'b0;
        if (rst) begin
            sync  <= 2'b11;
            state <= S_IDLE;
            count <= 16'd0;
            bit_n <= 3'd0;
            shift <= 8'd0;
            data  <= 8'd0;
        end else begin
            case (state)
                S_IDLE:
                    if (!sync[1]) begin
                        state <= S_START;
                        count <= {1'b0, divisor[15:1]} - 16'd1;   // to mid start bit
                    end
                S_START:
                    if (count == 16'd0) begin
                        if (sync[1]) begin
                            state <= S_IDLE;                      // a glitch
                        end else begin
                            state <= S_DATA;
                            bit_n <= 3'd0;
                            count <= divisor - 16'd1;
                        end
                    end else begin
                        count <= count - 16'd1;
                    end
                S_DATA:
                    if (count == 16'd0) begin
                        shift <= {sync[1], shift[7:1]};
                        count <= divisor - 16'd1;
                        if (bit_n == 3'd7)
                            state <= S_STOP;
                        bit_n <= bit_n + 3'd1;
                    end else begin
                        count <= count - 16'd1;
                    end
                default: // S_STOP
                    if (count == 16'd0) begin
                        state <= S_IDLE;
                        if (sync[1]) begin
                            valid <= 1'b1;
                            data  <= shift;
                        end else begin
                            frame_err <= 1'b1;
                        end
                    end else begin
                        count <= count - 16'd1;
                    end
            endcase
        end
    end
endmodule

`default_nettype wire
