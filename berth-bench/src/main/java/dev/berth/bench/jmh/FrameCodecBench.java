package dev.berth.bench.jmh;

import dev.berth.api.model.ExitStatus;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The binary output framing on its own, without a network: how fast the server can frame output
 * and how fast {@link FrameCodec.Reader} (what the CLI reads with) can decode it. One operation is
 * one MiB of output, so ops/s reads as MiB/s. Run: {@code java -cp ... org.openjdk.jmh.Main FrameCodecBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBench {
    private static final int MIB = 1 << 20;

    /** Output bytes per frame: a line-sized write, and the server's largest frame. */
    @Param({"4096", "262144"})
    int chunk;

    private byte[] stream;
    private ByteBuffer data;
    private ByteBuffer frame;

    @Setup
    public void setUp() {
        data = ByteBuffer.allocateDirect(chunk);
        frame = ByteBuffer.allocateDirect(FrameCodec.OUTPUT_HEADER_BYTES + chunk);
        ByteArrayOutputStream s = new ByteArrayOutputStream(MIB + 1024);
        s.writeBytes(FrameCodec.encode(new StreamFrame.Start("c-bench")));
        for (long offset = 0; offset < MIB; offset += chunk) {
            s.writeBytes(FrameCodec.encode(new StreamFrame.Output(StreamFrame.Channel.STDOUT, offset, new byte[chunk])));
        }
        s.writeBytes(FrameCodec.encode(new StreamFrame.Exit(new ExitStatus(0, null, false, 1), MIB)));
        stream = s.toByteArray();
    }

    /** What the server's binary streamer does per chunk: header and bytes into one direct buffer. */
    @Benchmark
    public long encodeOneMiB() {
        long sum = 0;
        for (long offset = 0; offset < MIB; offset += chunk) {
            frame.clear();
            FrameCodec.putOutputHeader(frame, StreamFrame.Channel.STDOUT, offset, chunk);
            frame.put(data.duplicate());
            frame.flip();
            sum += frame.remaining();
        }
        return sum;
    }

    /** What a {@link FrameCodec.Reader} client does with one MiB of output. */
    @Benchmark
    public long decodeOneMiB() throws IOException {
        FrameCodec.Reader reader = new FrameCodec.Reader(new ByteArrayInputStream(stream));
        long sum = 0;
        for (StreamFrame f; (f = reader.next()) != null; ) {
            if (f instanceof StreamFrame.Output o) {
                sum += o.data().length;
            }
        }
        return sum;
    }
}
