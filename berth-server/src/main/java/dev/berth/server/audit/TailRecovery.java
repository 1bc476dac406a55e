package dev.berth.server.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * What opening an append-only line file after a crash needs: the incomplete line a write cut short
 * goes (it was never reported durable), and the last complete line says where to continue.
 */
final class TailRecovery {
    private static final System.Logger LOG = System.getLogger(TailRecovery.class.getName());
    private static final int CHUNK = 8192;

    private TailRecovery() {}

    /** Cuts the bytes after the file's last newline off, with a warning; returns how many there were. */
    static long cutTornLine(FileChannel channel, Path file) throws IOException {
        long size = channel.size();
        long keep = lastNewline(channel, size) + 1;
        if (keep < size) {
            LOG.log(System.Logger.Level.WARNING, "cut a torn final line ({0} bytes) off {1}: the log stopped mid-write",
                    size - keep, file);
            channel.truncate(keep);
            channel.force(false);
        }
        return size - keep;
    }

    /** The last line of a file that ends with a newline (see {@link #cutTornLine}), without it; null if empty. */
    static byte[] lastLine(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return null;
        }
        long from = lastNewline(channel, size - 1) + 1;
        ByteBuffer line = ByteBuffer.allocate(Math.toIntExact(size - 1 - from));
        while (line.hasRemaining() && channel.read(line, from + line.position()) > 0) {
            // positional reads until the line is in
        }
        return line.array();
    }

    /** The offset of the last newline before {@code end}, -1 if there is none. */
    private static long lastNewline(FileChannel channel, long end) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        for (long to = end; to > 0; ) {
            long from = Math.max(0, to - CHUNK);
            chunk.clear().limit((int) (to - from));
            while (chunk.hasRemaining() && channel.read(chunk, from + chunk.position()) > 0) {
                // until the chunk is read
            }
            for (int i = chunk.position() - 1; i >= 0; i--) {
                if (chunk.get(i) == '\n') {
                    return from + i;
                }
            }
            to = from;
        }
        return -1;
    }
}
