package dev.berth.cli.tty;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Turns {@code \n} into {@code \r\n}: Berth's own notices, written while the local terminal is raw. */
final class CrLf extends FilterOutputStream {
    private int last = -1;

    CrLf(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        if (b == '\n' && last != '\r') {
            out.write('\r');
        }
        out.write(b);
        last = b;
    }
}
