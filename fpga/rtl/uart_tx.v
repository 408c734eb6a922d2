// uart_tx.v - 8N1 UART transmitter with a run-time baud divisor (system
// clocks per bit): start bit, 8 data bits LSB first, stop bit.  A byte is
// taken when send is high and busy low; busy stays high until the stop
// bit's last clock.  docs/fpga.md "The packet protocol".
`default_nettype none

module uart_tx (
    input  wire        clk,
    input  wire        rst,       // synchronous, active high
    input  wire [15:0] divisor,   // clocks per bit, >= 4
    input  wire        send,
    input  wire [7:0]  data,
    output wire        tx,
    output wire        busy
);
    reg [8:0]  frame;             // {stop, data} still to send, LSB next
    reg [3:0]  bits_left;
    reg [15:0] count;
    reg        line;

    assign tx   = line;
    assign busy = (bits_left != 4'd0);

    always @(posedge clk) begin
        if (rst) begin
            frame     <= 9'h1ff;
            bits_left <= 4'd0;
            count     <= 16'd0;
            line      <= 1'b1;
        end else if (bits_left == 4'd0) begin
            if (send) begin
                frame     <= {1'b1, data};
                line      <= 1'b0;
                bits_left <= 4'd10;
                count     <= divisor - 16'd1;
            end
        end else if (count == 16'd0) begin
            if (bits_left == 4'd1) begin
                bits_left <= 4'd0;
                line      <= 1'b1;
            end else begin
                frame     <= {1'b1, frame[8:1]};
                line      <= frame[0];
                bits_left <= bits_left - 4'd1;
                count     <= divisor - 16'd1;
            end
        end else begin
            count <= count - 16'd1;
        end
    end
endmodule

`default_nettype wire
