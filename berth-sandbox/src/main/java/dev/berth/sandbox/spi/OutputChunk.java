package dev.berth.sandbox.spi;

import java.nio.ByteBuffer;

/** What an {@link OutputCursor} yields: data, a gap where output was trimmed, a quiet spell, or the end. */
public sealed interface OutputChunk {

    /** {@code data} came from stdout ({@code stderr == false}) or stderr, starting at {@code offset}. */
    record Data(boolean stderr, long offset, ByteBuffer data) implements OutputChunk {}

    /** Output {@code [from, to)} was trimmed before this reader got to it. */
    record Gap(long from, long to) implements OutputChunk {}

    /** Nothing new within the wait the reader asked for; the command still runs. */
    record Idle() implements OutputChunk {}

    /** The command finished and every byte was delivered. */
    record End(CommandExit exit) implements OutputChunk {}
}
