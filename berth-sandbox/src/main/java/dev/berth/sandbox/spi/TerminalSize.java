package dev.berth.sandbox.spi;

/** A terminal's size in character cells, as TIOCSWINSZ takes it (1 to 65535 each way). */
public record TerminalSize(int rows, int cols) {
    public static final int MAX = 65535;

    public TerminalSize {
        if (rows < 1 || cols < 1 || rows > MAX || cols > MAX) {
            throw new IllegalArgumentException("a terminal has 1 to " + MAX + " rows and columns, not " + rows + "x" + cols);
        }
    }
}
