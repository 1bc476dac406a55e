package dev.berth.api.stream;

import dev.berth.api.model.ExitStatus;

/** One unit of a command's output stream, in either wire format (binary or NDJSON). */
public sealed interface StreamFrame {

    /** Which standard stream a chunk came from. */
    enum Channel { STDOUT, STDERR }

    /** First frame: the command id, so a client can re-attach later. */
    record Start(String commandId) implements StreamFrame {}

    /** Output bytes at absolute offset {@code offset} of the command's combined output. */
    record Output(Channel channel, long offset, byte[] data) implements StreamFrame {}

    /** Bytes {@code [from, to)} were trimmed from the retained output before they could be sent. */
    record Trimmed(long from, long to) implements StreamFrame {
        public long skipped() {
            return to - from;
        }
    }

    /**
     * Sent while a followed command prints nothing for a while: carries nothing, tells the client
     * the stream is alive, and makes the server notice a client that went away.
     */
    record Heartbeat() implements StreamFrame {}

    /** Last frame: how the command ended and the total number of output bytes. */
    record Exit(ExitStatus status, long endOffset) implements StreamFrame {}
}
