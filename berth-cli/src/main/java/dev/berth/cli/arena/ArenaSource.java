package dev.berth.cli.arena;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.SessionInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Where an arena starts from: a session (used as it is), or a directory or git URL on this machine
 * (a git URL is cloned here first, so any URL this machine reaches works), uploaded into a new
 * session that is removed once the agents' forks are made.
 */
public final class ArenaSource implements AutoCloseable {
    /** Each upload request carries this much of the tarball (base64 makes it a third larger, under the server's 8 MiB). */
    private static final int CHUNK = 4 << 20;
    private static final String UPLOAD = "/mnt/workspace/.berth-arena-upload.tar";

    private final BerthClient client;
    private final String session;
    private final boolean made;
    private final Path clone;

    private ArenaSource(BerthClient client, String session, boolean made, Path clone) {
        this.client = client;
        this.session = session;
        this.made = made;
        this.clone = clone;
    }

    public String session() {
        return session;
    }

    public static boolean looksLikeGit(String from) {
        return from.contains("://") || from.startsWith("git@") || from.endsWith(".git");
    }

    /** A path, not a session id: it has a slash, or is {@code .} or {@code ..} (session ids have neither). */
    public static boolean looksLikePath(String from) {
        return from.contains("/") || from.equals(".") || from.equals("..");
    }

    public static ArenaSource of(BerthClient client, String from) {
        Path dir = Path.of(from);
        if (!looksLikeGit(from) && !looksLikePath(from)) {
            try {
                return new ArenaSource(client, client.session(from).id(), false, null);
            } catch (ApiException e) {
                if (e.code() == ErrorCode.SESSION_NOT_FOUND && Files.isDirectory(dir)) {
                    throw new ApiException(ErrorCode.SESSION_NOT_FOUND, e.getMessage() + " (for the directory " + from
                            + ", write ./" + from + ")");
                }
                throw e;
            }
        }
        if (!looksLikeGit(from) && !Files.isDirectory(dir)) {
            throw new UncheckedIOException(new IOException("no directory " + from));
        }
        Path clone = null;
        try {
            if (looksLikeGit(from) && !Files.isDirectory(dir)) {
                clone = Files.createTempDirectory("berth-arena-");
                run(List.of("git", "clone", "--quiet", "--", from, clone.resolve("src").toString()), null);
                dir = clone.resolve("src");
            }
            SessionInfo s = client.createSession(new CreateSessionRequest(null, null, null, null, null, null, null));
            ArenaSource source = new ArenaSource(client, s.id(), true, clone);
            try {
                source.upload(dir);
            } catch (RuntimeException | IOException e) {
                source.close();
                throw e;
            }
            return source;
        } catch (IOException e) {
            deleteQuietly(clone);
            throw new UncheckedIOException(e);
        }
    }

    /** The directory as a tarball (its .git included, so a branch can be made of an agent's work), in chunks. */
    private void upload(Path dir) throws IOException {
        Path tar = Files.createTempFile("berth-arena-", ".tar");
        try {
            run(List.of("tar", "-cf", tar.toString(), "-C", dir.toString(), "."), null);
            try (InputStream in = Files.newInputStream(tar)) {
                String redirect = ">"; // the first chunk starts the file, the others append
                while (true) {
                    byte[] chunk = in.readNBytes(CHUNK);
                    RemoteShell.Result r = RemoteShell.run(client, session, "cat " + redirect + " " + UPLOAD, chunk);
                    if (r.code() != 0) {
                        throw new ApiException(ErrorCode.SANDBOX_FAILED, "cannot upload to session " + session + ": " + r.output());
                    }
                    redirect = ">>";
                    if (chunk.length < CHUNK) {
                        break;
                    }
                }
            }
            RemoteShell.Result r = RemoteShell.run(client, session, "tar -xf " + UPLOAD + " -C /mnt/workspace && rm -f " + UPLOAD, null);
            if (r.code() != 0) {
                throw new ApiException(ErrorCode.SANDBOX_FAILED, "cannot unpack the upload in session " + session + ": " + r.output());
            }
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    static void run(List<String> argv, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(argv.getFirst() + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(argv.getFirst() + " was interrupted");
        }
    }

    /** The session made for an upload goes (the agents' forks have their own copies). */
    @Override
    public void close() {
        if (made) {
            try {
                client.deleteSession(session);
            } catch (RuntimeException e) {
                // best effort: it is the caller's own plain session, reclaimed by its retention anyway
            }
        }
        deleteQuietly(clone);
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind
        }
    }

}
