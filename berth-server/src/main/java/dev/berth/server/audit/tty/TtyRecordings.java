package dev.berth.server.audit.tty;

import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.TerminalSize;
import dev.berth.server.sessions.TerminalTap;
import dev.berth.server.store.CommandRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every terminal's recording, {@code DIR/SESSION--CID.cast}: started with the terminal, fed what
 * its clients type and resize to, resumed after a server restart. The files live outside the
 * session's directory, so a recording outlives the session it records (it is audit evidence).
 */
public final class TtyRecordings implements TerminalTap, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TtyRecordings.class.getName());
    private static final Pattern COMMAND_ID = Pattern.compile("[A-Za-z0-9_-]{1,80}");

    private final Path dir;
    private final TtyRecorder.Config config;
    private final Clock clock;
    private final Map<String, TtyRecorder> live = new ConcurrentHashMap<>();

    public TtyRecordings(Path dir, TtyRecorder.Config config, Clock clock) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public void started(CommandRecord tty, RunningCommand command, TerminalSize size) {
        record(tty, command, size);
    }

    /** Goes on with a terminal's recording after a restart (no-op if it was complete, or never began). */
    public void resume(CommandRecord tty, RunningCommand command) {
        if (Files.exists(file(tty.sessionId(), tty.id()))) {
            record(tty, command, new TerminalSize(24, 80)); // the header is the file's already
        }
    }

    private void record(CommandRecord tty, RunningCommand command, TerminalSize size) {
        live.values().removeIf(TtyRecorder::isDone);
        AsciicastHeader header = new AsciicastHeader(size.cols(), size.rows(), tty.startedAt(),
                String.join(" ", tty.argv()), tty.sessionId() + "/" + tty.id() + " (" + tty.startedBy() + ")", Map.of());
        try {
            live.put(tty.id(), TtyRecorder.start(command, file(tty.sessionId(), tty.id()), header, config, clock));
        } catch (IOException e) {
            // the terminal still works; the gap in the evidence is logged loudly
            LOG.log(System.Logger.Level.ERROR, "cannot record terminal " + tty.id() + " of " + tty.sessionId(), e);
        }
    }

    @Override
    public void typed(String sessionId, String commandId, byte[] input) {
        TtyRecorder r = live.get(commandId);
        if (r != null) {
            r.input(input);
        }
    }

    @Override
    public void resized(String sessionId, String commandId, TerminalSize size) {
        TtyRecorder r = live.get(commandId);
        if (r != null) {
            r.resize(size);
        }
    }

    /** The recording of terminal {@code commandId}, whichever session it ran in. */
    public Optional<Path> find(String commandId) throws IOException {
        if (!COMMAND_ID.matcher(commandId).matches() || !Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith("--" + commandId + ".cast")).findFirst();
        }
    }

    private Path file(String sessionId, String commandId) {
        return dir.resolve(sessionId + "--" + commandId + ".cast");
    }

    @Override
    public void close() {
        // each close syncs a checkpoint: in parallel, so a server with many terminals stops promptly
        live.values().parallelStream().forEach(TtyRecorder::close);
        live.clear();
    }
}
