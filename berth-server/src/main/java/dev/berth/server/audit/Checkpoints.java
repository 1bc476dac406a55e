package dev.berth.server.audit;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.berth.api.Json;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * {@code checkpoints.jsonl}: now and then the writer signs where the chain stands, one line
 * {@code {"seq":N,"hash":"<hash of line N>","time":"…","sig":"<base64>"}} each. The Ed25519 signature is
 * over the ASCII bytes {@code seq:hash:time} — the time too, so that no byte of a checkpoint can change
 * unnoticed. A checkpoint pins the chain up to its seq: rewriting lines before it (even with the whole
 * chain recomputed) or cutting lines off the end shows, given the public key.
 */
final class Checkpoints implements Closeable {
    static final String FILE = "checkpoints.jsonl";
    static final String PUBLIC_KEY = "checkpoint.pub";
    private static final System.Logger LOG = System.getLogger(Checkpoints.class.getName());

    record Checkpoint(long seq, String hash, String time, String sig) {
        boolean signedBy(PublicKey key) {
            byte[] signature;
            try {
                signature = Base64.getDecoder().decode(sig);
            } catch (IllegalArgumentException notBase64) {
                return false;
            }
            // the decoder ignores the unused low bits of the last character: only the one spelling counts
            return Base64.getEncoder().encodeToString(signature).equals(sig)
                    && SigningKey.verify(key, message(seq, hash, time), signature);
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final SigningKey key;
    private long lastSeq;

    private Checkpoints(Path file, FileChannel channel, SigningKey key) {
        this.file = file;
        this.channel = channel;
        this.key = key;
    }

    /** Opens (or creates) the checkpoint file of a log, cutting off a line a crash tore. */
    static Checkpoints open(Path dir, SigningKey key) throws IOException {
        Path file = dir.resolve(FILE);
        FileChannel channel = PrivateFiles.open(file);
        Checkpoints checkpoints = new Checkpoints(file, channel, key);
        try {
            TailRecovery.cutTornLine(channel, file);
            byte[] last = TailRecovery.lastLine(channel);
            if (last != null) {
                checkpoints.lastSeq = parse(last, 0, last.length).seq();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "the last checkpoint in {0} is unreadable ({1}); verify says more",
                    file, e.getMessage());
        }
        return checkpoints;
    }

    /** The seq of the newest checkpoint, 0 if there is none. */
    long lastSeq() {
        return lastSeq;
    }

    /**
     * Signs and appends a checkpoint. It is not forced (close() forces the file): it only ever follows
     * lines already forced, so a crash can lose a recent checkpoint but never leave one ahead of the
     * chain, and the writer saves an fsync per checkpoint.
     */
    void append(long seq, String hash, Instant time) throws IOException {
        String t = LineFormat.TIME.format(time);
        String sig = Base64.getEncoder().encodeToString(key.sign(message(seq, hash, t)));
        byte[] json = Json.mapper().writeValueAsBytes(new Checkpoint(seq, hash, t, sig));
        ByteBuffer line = ByteBuffer.wrap(Arrays.copyOf(json, json.length + 1)).put(json.length, (byte) '\n');
        long at = channel.size();
        while (line.hasRemaining()) {
            at += channel.write(line, at);
        }
        lastSeq = seq;
    }

    static Checkpoint parse(byte[] b, int off, int len) throws IOException {
        Checkpoint c;
        try {
            c = Json.mapper().readValue(b, off, len, Checkpoint.class);
        } catch (RuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (c == null || c.seq() < 1 || c.hash() == null || c.time() == null || c.sig() == null) {
            throw new IOException("not a checkpoint line: seq, hash, time or sig is missing");
        }
        return c;
    }

    static byte[] message(long seq, String hash, String time) {
        return (seq + ":" + hash + ":" + time).getBytes(US_ASCII);
    }

    @Override
    public void close() throws IOException {
        try (channel) {
            channel.force(false);
        }
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
