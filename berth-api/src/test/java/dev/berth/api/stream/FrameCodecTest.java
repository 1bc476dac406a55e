package dev.berth.api.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.model.ExitStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    private static List<StreamFrame> roundTrip(StreamFrame... frames) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (StreamFrame f : frames) {
            out.write(FrameCodec.encode(f));
        }
        FrameCodec.Reader reader = new FrameCodec.Reader(new ByteArrayInputStream(out.toByteArray()));
        List<StreamFrame> read = new ArrayList<>();
        for (StreamFrame f; (f = reader.next()) != null; ) {
            read.add(f);
        }
        return read;
    }

    @Test
    void everyFrameTypeSurvivesARoundTrip() throws IOException {
        byte[] binary = {0, (byte) 0xff, 10, 13, 27};
        List<StreamFrame> read = roundTrip(
                new StreamFrame.Start("c-1"),
                new StreamFrame.Output(StreamFrame.Channel.STDERR, 1L << 40, binary),
                new StreamFrame.Trimmed(5, 99),
                new StreamFrame.Exit(new ExitStatus(null, 9, true, 1234), 777));
        assertThat(read.get(0)).isEqualTo(new StreamFrame.Start("c-1"));
        StreamFrame.Output o = (StreamFrame.Output) read.get(1);
        assertThat(o.channel()).isEqualTo(StreamFrame.Channel.STDERR);
        assertThat(o.offset()).isEqualTo(1L << 40);
        assertThat(o.data()).containsExactly(binary);
        assertThat(read.get(2)).isEqualTo(new StreamFrame.Trimmed(5, 99));
        assertThat(read.get(3)).isEqualTo(new StreamFrame.Exit(new ExitStatus(null, 9, true, 1234), 777));
    }

    @Test
    void aTruncatedStreamIsAnErrorNotAnEnd() {
        byte[] frame = FrameCodec.encode(new StreamFrame.Output(StreamFrame.Channel.STDOUT, 0, new byte[100]));
        byte[] cut = java.util.Arrays.copyOf(frame, 50);
        assertThatThrownBy(() -> new FrameCodec.Reader(new ByteArrayInputStream(cut)).next()).isInstanceOf(EOFException.class);
    }

    @Test
    void hostileLengthsAndTypesAreRefused() {
        byte[] huge = {'O', 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> new FrameCodec.Reader(new ByteArrayInputStream(huge)).next())
                .isInstanceOf(IOException.class).hasMessageContaining("out of range");
        byte[] unknown = {'?', 0, 0, 0, 0};
        assertThatThrownBy(() -> new FrameCodec.Reader(new ByteArrayInputStream(unknown)).next())
                .isInstanceOf(IOException.class).hasMessageContaining("unknown");
        byte[] shortExit = {'X', 0, 0, 0, 1, 0};
        assertThatThrownBy(() -> new FrameCodec.Reader(new ByteArrayInputStream(shortExit)).next())
                .isInstanceOf(EOFException.class);
    }
}
