package dev.berth.server.sessions;

import dev.berth.sandbox.spi.RootFs;
import dev.berth.sandbox.spi.SandboxSpec;
import dev.berth.sandbox.workspace.WorkspaceImage;
import dev.berth.server.store.SessionRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a session lives on the host: {@code DATA/sessions/ID/} holds {@code workspace/} (mounted at
 * /mnt/workspace), {@code workspace.img} (its file system, when the session has a disk quota) and
 * {@code state/} (the driver's: sockets, command output) and, for a runtime's session, {@code rootfs/}
 * (its writable layer over the runtime's shared tree).
 */
record SessionDirs(Path root, RootResolver roots, SessionNetwork network) {

    /** What a session's {@code /} is made of: a runtime's tree under the given writable layer, or the host's. */
    @FunctionalInterface
    interface RootResolver {
        RootFs rootFor(SessionRecord s, Path writable);
    }

    Path session(String id) {
        return root.resolve(id);
    }

    /** The session's workspace directory, its sandbox's /mnt/workspace. */
    Path workspace(String id) {
        return session(id).resolve("workspace");
    }

    SandboxSpec spec(SessionRecord s) {
        Path dir = session(s.id());
        return new SandboxSpec(s.id(), dir.resolve("state"), workspace(s.id()), s.limits(),
                s.runtime() == null ? RootFs.host() : roots.rootFor(s, dir.resolve("rootfs")), network.sandboxNetwork(s));
    }

    /** The workspace's own file system; only sessions with a disk quota have one. */
    WorkspaceImage image(String id) {
        Path dir = session(id);
        return new WorkspaceImage(dir.resolve("workspace.img"), dir.resolve("workspace"));
    }

    /** Ids of every session directory, including those no stored session owns any more. */
    List<String> ids() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(SessionIds::valid).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /** Deletes a session's files; its workspace must be unmounted first. */
    void delete(String id) {
        Path dir = session(id);
        if (!Files.exists(dir)) {
            return;
        }
        // walk does not follow symbolic links: a link in a workspace never leads the delete outside it
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
