package dev.berth.e2e;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.SessionInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the host holds for one data directory, seen from outside the server: shim processes, mounts,
 * cgroups and session directories. Other servers on this machine (other tests, benchmarks) have
 * their own data directories; everything here is filtered by ours.
 */
final class Host {
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
    private static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu");

    private Host() {}

    /** Live berth-shim processes (the supervisor and its helpers) whose {@code --state} is under {@code data}: pid → session id. */
    static Map<Long, String> shims(Path data) {
        Path sessions = data.resolve("sessions");
        Map<Long, String> shims = new TreeMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                List<String> argv = cmdline(proc);
                int state = argv.indexOf("--state");
                if (argv.isEmpty() || !argv.getFirst().contains("berth-shim-") || state < 0 || state + 1 >= argv.size()) {
                    continue;
                }
                Path stateDir = Path.of(argv.get(state + 1));
                if (stateDir.startsWith(sessions)) {
                    shims.put(Long.parseLong(proc.getFileName().toString()), stateDir.getParent().getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return shims;
    }

    /** Whether {@code pid} is a live berth-shim process (a zombie has no command line, so it is not). */
    static boolean isShim(long pid) {
        List<String> argv = cmdline(Path.of("/proc", Long.toString(pid)));
        return !argv.isEmpty() && argv.getFirst().contains("berth-shim-");
    }

    /** The pid the session's state/shim.pid names, or -1 when there is no such file. */
    static long shimPid(Path data, String session) {
        try {
            return Long.parseLong(Files.readString(data.resolve("sessions").resolve(session).resolve("state/shim.pid")).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static List<String> cmdline(Path proc) {
        try {
            String raw = Files.readString(proc.resolve("cmdline"), StandardCharsets.UTF_8);
            return raw.isEmpty() ? List.of() : List.of(raw.split("\0"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of(); // gone meanwhile
        }
    }

    /** Mount points at or under {@code data} in this mount namespace (which the server shares). */
    static Set<Path> mounts(Path data) {
        Set<Path> mounts = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                Path point = Path.of(unescape(line.split(" ")[4]));
                if (point.startsWith(data)) {
                    mounts.add(point);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return mounts;
    }

    /** Ids of the sessions whose DATA/sessions/ID/workspace is a mount point. */
    static Set<String> mountedWorkspaces(Path data) {
        Set<String> ids = new TreeSet<>();
        for (Path m : mounts(data)) {
            if (m.getFileName().toString().equals("workspace") && data.resolve("sessions").equals(m.getParent().getParent())) {
                ids.add(m.getParent().getFileName().toString());
            }
        }
        return ids;
    }

    /** mountinfo writes space, tab, newline and backslash as a backslash and three octal digits. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The name of the cgroup the server makes for this data directory: berth- and 8 hex digits of its path's SHA-256. */
    static String cgroupParentName(Path data) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(data.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
            return "berth-" + HexFormat.of().formatHex(d, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every directory named {@link #cgroupParentName} under the memory, pids and cpu hierarchies. */
    static List<Path> cgroupParents(Path data) {
        String name = cgroupParentName(data);
        List<Path> found = new ArrayList<>();
        for (String controller : CONTROLLERS) {
            Path root = CGROUPS.resolve(controller);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try {
                Files.walkFileTree(root, Set.of(), 8, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        String n = dir.getFileName() == null ? "" : dir.getFileName().toString();
                        if (n.equals(name)) {
                            found.add(dir);
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        return n.startsWith("berth-") ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE; // a group removed while we walk
                    }
                });
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return found;
    }

    /** Sandbox cgroups of this data directory: the group directories under each {@link #cgroupParents}. */
    static List<Path> sandboxCgroups(Path data) {
        List<Path> groups = new ArrayList<>();
        for (Path parent : cgroupParents(data)) {
            try (Stream<Path> children = Files.list(parent)) {
                children.filter(Files::isDirectory).forEach(groups::add);
            } catch (IOException e) {
                // removed meanwhile: no groups
            }
        }
        return groups;
    }

    /** Names of the DATA/sessions/ID directories. */
    static Set<String> sessionDirs(Path data) {
        Path root = data.resolve("sessions");
        if (!Files.isDirectory(root)) {
            return Set.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Bytes in a command's output log (its segment files under state/cmd/CID), written by the shim. */
    static long outputLogBytes(Path data, String session, String commandId) throws IOException {
        Path dir = data.resolve("sessions").resolve(session).resolve("state/cmd").resolve(commandId);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long total = 0;
        try (Stream<Path> segments = Files.list(dir)) {
            for (Path seg : segments.filter(p -> p.toString().endsWith(".seg")).toList()) {
                total += Files.size(seg);
            }
        }
        return total;
    }

    /**
     * The end of a test: deletes every session through a live server (starting one when the test's
     * own is dead: sessions outlive servers, so a leaked one keeps running), stops that server, then
     * removes by force whatever is still on the host and says so on stderr.
     */
    static void tearDown(Cli cli, Path data, ServerProcess server) {
        if (cli == null || !Files.exists(data.resolve("admin.token"))) {
            return;
        }
        ServerProcess live = server;
        try {
            if (live == null || !live.process.isAlive()) {
                live = ServerProcess.start(cli, data);
            }
            BerthClient api = live.client();
            for (SessionInfo s : api.listSessions()) {
                try {
                    api.deleteSession(s.id());
                } catch (ApiException e) {
                    System.err.println("tear-down: cannot delete session " + s.id() + ": " + e.getMessage());
                }
            }
        } catch (Exception | AssertionError e) {
            System.err.println("tear-down: cannot delete the sessions through a server: " + e);
        } finally {
            if (live != null) {
                try {
                    live.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            List<String> forced = sweep(data);
            if (!forced.isEmpty()) {
                System.err.println("tear-down: removed leftovers the server did not: " + forced);
            }
        }
    }

    /** Kills shims, unmounts and removes cgroups of {@code data}; returns what it had to do. */
    static List<String> sweep(Path data) {
        List<String> done = new ArrayList<>();
        List<ProcessHandle> killed = new ArrayList<>();
        shims(data).forEach((pid, id) -> ProcessHandle.of(pid).ifPresent(h -> {
            h.destroyForcibly();
            killed.add(h);
            done.add("killed shim " + pid + " of " + id);
        }));
        for (ProcessHandle h : killed) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS); // a cgroup is only removable once its processes are gone
            } catch (Exception e) {
                done.add("shim " + h.pid() + " did not exit: " + e);
            }
        }
        List<Path> mounts = new ArrayList<>(mounts(data));
        mounts.sort(java.util.Comparator.reverseOrder()); // deepest first
        for (Path m : mounts) {
            try {
                Process p = new ProcessBuilder("umount", "-l", m.toString()).redirectErrorStream(true).start();
                p.waitFor(30, TimeUnit.SECONDS);
                done.add("unmounted " + m);
            } catch (IOException e) {
                done.add("cannot unmount " + m + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return done;
            }
        }
        for (Path g : sandboxCgroups(data)) {
            try {
                Files.delete(g); // fails while processes remain; they were killed above
                done.add("removed cgroup " + g);
            } catch (IOException e) {
                done.add("cannot remove cgroup " + g + ": " + e);
            }
        }
        for (Path parent : cgroupParents(data)) {
            try {
                Files.deleteIfExists(parent);
            } catch (IOException e) {
                // still in use: reported above through its children
            }
        }
        return done;
    }
}
