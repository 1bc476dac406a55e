package dev.berth.sandbox.contract;

import static dev.berth.sandbox.contract.CommandResult.run;
import static dev.berth.sandbox.contract.CommandResult.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.IdRange;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.sandbox.spi.RootFs;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.sandbox.spi.SandboxSpec;
import dev.berth.sandbox.spi.TerminalSize;
import dev.berth.sandbox.spi.CommandSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every sandbox driver must do: exec semantics, isolation, persistence and limits. A driver
 * module extends this with its driver; on a machine where the driver cannot run, every test is
 * reported as skipped with the driver's reason.
 */
@Timeout(120)
public abstract class SandboxDriverContract {
    protected static final ResourceLimits LIMITS = new ResourceLimits(256L << 20, 0, 256);

    @TempDir
    protected Path temp;

    protected SandboxDriver driver;
    private final List<Sandbox> started = new ArrayList<>();
    private final List<SandboxSpec> specs = new ArrayList<>();

    protected abstract SandboxDriver createDriver(Path temp);

    @BeforeEach
    void setUpDriver() {
        driver = createDriver(temp);
        assumeTrue(driver.unavailableReason().isEmpty(),
                () -> driver.name() + " driver unavailable here: " + driver.unavailableReason().orElseThrow());
    }

    @AfterEach
    void destroyAll() {
        for (Sandbox s : started) {
            s.destroy();
        }
        for (SandboxSpec spec : specs) {
            driver.cleanUp(spec);
        }
    }

    protected SandboxSpec sandboxSpec(String id, ResourceLimits limits) {
        SandboxSpec spec = new SandboxSpec(id, temp.resolve(id).resolve("state"), temp.resolve(id).resolve("workspace"), limits);
        specs.add(spec);
        return spec;
    }

    protected Sandbox start(String id) {
        return start(sandboxSpec(id, LIMITS));
    }

    protected Sandbox start(SandboxSpec spec) {
        Sandbox s = driver.start(spec);
        started.add(s);
        return s;
    }

    @Test
    void exitCodesAndSeparateStreams() throws Exception {
        Sandbox s = start("exec");
        CommandResult r = run(s, "echo out; echo err >&2; exit 3");
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.exit().code()).isEqualTo(3);
        assertThat(r.exit().signal()).isZero();
        assertThat(r.exit().endOffset()).isEqualTo(8);
        assertThat(s.memoryUsageBytes()).as("host memory of the supervisor and sandbox").isBetween(64L << 10, 64L << 20);
    }

    @Test
    void signalsEndCommands() throws Exception {
        Sandbox s = start("signals");
        CommandResult self = run(s, "kill -TERM $$");
        assertThat(self.exit().signal()).isEqualTo(15);
        assertThat(self.exit().code()).isEqualTo(-1);

        RunningCommand sleeper = s.spawn(spec(List.of("sleep", "300")));
        sleeper.signal(9);
        CommandResult killed = CommandResult.collect(sleeper, 0);
        assertThat(killed.exit().signal()).isEqualTo(9);
    }

    @Test
    void stdinCwdAndEnvironmentAreExactlyWhatWasAsked() throws Exception {
        Sandbox s = start("stdio");
        Map<String, String> env = new HashMap<>(CommandResult.ENV);
        env.put("GREETING", "hello world");
        CommandResult r = run(s, spec(List.of("/bin/sh", "-c", "pwd; echo \"$GREETING\"; cat; env | sort"),
                env, "/tmp", "from stdin\n".getBytes(StandardCharsets.UTF_8), null));
        assertThat(r.stdout()).startsWith("/tmp\nhello world\nfrom stdin\n");
        assertThat(r.stdout()).contains("GREETING=hello world").doesNotContain("JAVA_HOME").doesNotContain("MAVEN");
        assertThat(r.exit().code()).isZero();
    }

    @Test
    void aHostOnlyVariableIsNotVisibleInside() throws Exception {
        String hostOnly = System.getenv().keySet().stream().filter(k -> k.equals("PATH") || k.equals("HOME")).findFirst()
                .orElse("PATH");
        Sandbox s = start("cleanenv");
        CommandResult r = run(s, spec(List.of("/usr/bin/env"), Map.of(), "/", null, null));
        assertThat(r.stdout()).isEmpty(); // the command got exactly the (empty) environment it asked for
        assertThat(r.stdout()).doesNotContain(hostOnly + "=");
    }

    @Test
    void timeoutEndsTheWholeProcessGroup() throws Exception {
        Sandbox s = start("timeout");
        CommandResult r = run(s, spec(List.of("/bin/sh", "-c", "sleep 300 & sleep 300; echo never"), CommandResult.ENV,
                "/", null, Duration.ofMillis(300)));
        assertThat(r.exit().timedOut()).isTrue();
        assertThat(r.exit().signal()).isIn(9, 15);
        assertThat(r.stdout()).doesNotContain("never");
        CommandResult ps = run(s, "ps -eo comm | grep -c '^sleep$' || true");
        assertThat(ps.stdout().strip()).isEqualTo("0");
    }

    @Test
    void aMissingProgramExitsWith127AndSaysWhy() throws Exception {
        Sandbox s = start("missing");
        CommandResult r = run(s, spec(List.of("no-such-program-here")));
        assertThat(r.exit().code()).isEqualTo(127);
        assertThat(r.stderr()).contains("no-such-program-here");
    }

    @Test
    void outputCanBeReReadFromAnyOffset() throws Exception {
        Sandbox s = start("offsets");
        RunningCommand c = s.spawn(spec(List.of("/bin/sh", "-c", "printf 0123456789; printf abc >&2")));
        CommandResult all = CommandResult.collect(c, 0);
        assertThat(all.stdout() + all.stderr()).isEqualTo("0123456789abc");
        CommandResult tail = CommandResult.collect(c, 7);
        assertThat(tail.stdout()).isEqualTo("789");
        assertThat(tail.stderr()).isEqualTo("abc");
        assertThat(c.endOffset()).isEqualTo(13);
        assertThat(c.firstRetainedOffset()).isZero();
    }

    @Test
    void aQuietCommandIdlesThenDeliversWhatItPrintsLater() throws Exception {
        Sandbox s = start("quiet");
        Path go = temp.resolve("quiet").resolve("workspace").resolve("go");
        RunningCommand c = s.spawn(spec(List.of("/bin/sh", "-c",
                "while [ ! -e /mnt/workspace/go ]; do sleep 0.02; done; echo after")));
        try (OutputCursor cursor = c.follow(0)) {
            // it cannot print before the file exists, so the only honest answer is "nothing yet"
            assertThat(cursor.next(Duration.ofMillis(200))).isInstanceOf(OutputChunk.Idle.class);
            assertThat(cursor.next(Duration.ofMillis(50))).isInstanceOf(OutputChunk.Idle.class);
            Files.writeString(go, "");
            OutputChunk chunk = cursor.next(Duration.ofSeconds(30));
            while (chunk instanceof OutputChunk.Idle) {
                chunk = cursor.next(Duration.ofSeconds(30));
            }
            assertThat(chunk).isInstanceOf(OutputChunk.Data.class);
            OutputChunk.Data d = (OutputChunk.Data) chunk;
            assertThat(StandardCharsets.UTF_8.decode(d.data()).toString()).isEqualTo("after\n");
            OutputChunk end = cursor.next(Duration.ofSeconds(30));
            while (end instanceof OutputChunk.Idle) {
                end = cursor.next(Duration.ofSeconds(30));
            }
            assertThat(end).isInstanceOf(OutputChunk.End.class);
            assertThat(((OutputChunk.End) end).exit().code()).isZero();
        }
    }

    private static CommandSpec onTerminal(TerminalSize size, String... argv) {
        Map<String, String> env = new HashMap<>(CommandResult.ENV);
        env.put("TERM", "xterm-256color");
        env.put("PS1", "$ ");
        return new CommandSpec("t-" + java.util.UUID.randomUUID().toString().substring(0, 12), List.of(argv), env,
                "/mnt/workspace", null, null, 64L << 20, size);
    }

    @Test
    void aTerminalCommandHasARealTtyOfTheAskedSize() throws Exception {
        Sandbox s = start("tty");
        RunningCommand c = s.spawn(onTerminal(new TerminalSize(30, 100), "/bin/sh", "-c",
                "tty; stty size; test -t 0 && test -t 1 && echo on-a-terminal; echo err >&2"));
        try (TerminalReader screen = new TerminalReader(c.follow(0))) {
            assertThat(screen.await("\r\n")).startsWith("/dev/pts/"); // named in the sandbox's own devpts
            screen.await("30 100\r\n");
            screen.await("on-a-terminal\r\n");
            screen.await("err\r\n"); // stderr is on the same terminal
            assertThat(screen.awaitExit().code()).isZero();
        }
    }

    @Test
    void aShellOnATerminalTakesInputResizesAndCtrlC() throws Exception {
        Sandbox s = start("shell");
        RunningCommand sh = s.spawn(onTerminal(new TerminalSize(24, 80), "/bin/sh"));
        try (TerminalReader screen = new TerminalReader(sh.follow(0))) {
            screen.await("$ ");
            sh.write("stty size\n".getBytes(StandardCharsets.UTF_8));
            screen.await("24 80\r\n");
            sh.resize(new TerminalSize(50, 120));
            sh.write("stty size\n".getBytes(StandardCharsets.UTF_8));
            screen.await("50 120\r\n");
            // ^C stops the foreground job, not the shell (the output, not the echo, says so)
            // (once the line runs: a ^C while the shell still reads it only flushes the line). The job
            // itself says it runs, then becomes the sleep: a ^C between the shell's own echo and its
            // fork of sleep could reach the shell before the job held the terminal, and sleep ran on
            sh.write("sh -c 'echo sleeping-$((2*3)); exec sleep 100'; echo after-$((6*7))\n".getBytes(StandardCharsets.UTF_8));
            screen.await("sleeping-6\r\n");
            sh.write(new byte[] {3});
            screen.await("$ ");
            sh.write("echo alive-$((6*7))\n".getBytes(StandardCharsets.UTF_8));
            String shown = screen.await("alive-42\r\n");
            assertThat(shown).doesNotContain("after-42");
            sh.write("exit 7\n".getBytes(StandardCharsets.UTF_8));
            assertThat(screen.awaitExit().code()).isEqualTo(7);
        }
    }

    @Test
    void heldInputTypesInOrderAndIsRefusedOnceTheProgramIsGone() throws Exception {
        Sandbox s = start("held");
        RunningCommand sh = s.spawn(onTerminal(new TerminalSize(24, 80), "/bin/sh"));
        try (TerminalReader screen = new TerminalReader(sh.follow(0));
                dev.berth.sandbox.spi.TerminalInput in = sh.openInput()) {
            screen.await("$ ");
            // one byte at a time, as keystrokes come: each after the one before
            for (byte b : "echo typed-$((40+2))\n".getBytes(StandardCharsets.UTF_8)) {
                in.write(new byte[] {b});
            }
            screen.await("typed-42\r\n");
            in.write("exit 3\n".getBytes(StandardCharsets.UTF_8));
            assertThat(screen.awaitExit().code()).isEqualTo(3);
            assertThatThrownBy(() -> in.write("x".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOfSatisfying(SandboxException.class,
                            e -> assertThat(e.kind()).isEqualTo(SandboxException.Kind.COMMAND_FINISHED));
        }
    }

    @Test
    void terminalRequestsAreCheckedAndABlockedTerminalRefusesMoreInput() throws Exception {
        Sandbox s = start("ttybad");
        RunningCommand piped = s.spawn(spec(List.of("/bin/sh", "-c", "exec sleep 600")));
        assertThatThrownBy(() -> piped.write("x".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SandboxException.class).hasMessageContaining("no terminal");
        assertThatThrownBy(() -> piped.resize(new TerminalSize(10, 10)))
                .isInstanceOf(SandboxException.class).hasMessageContaining("no terminal");
        assertThatThrownBy(() -> new TerminalSize(0, 0)).isInstanceOf(IllegalArgumentException.class);
        // a program that never reads its terminal: the queue is bounded, and says so
        RunningCommand deaf = s.spawn(onTerminal(new TerminalSize(24, 80), "/bin/sh", "-c", "stty -icanon; exec sleep 600"));
        deaf.resize(new TerminalSize(TerminalSize.MAX, TerminalSize.MAX));
        byte[] chunk = new byte[256 << 10];
        java.util.Arrays.fill(chunk, (byte) 'x');
        SandboxException refused = null;
        for (int i = 0; i < 16 && refused == null; i++) {
            try {
                deaf.write(chunk);
            } catch (SandboxException e) {
                refused = e;
            }
        }
        assertThat(refused).as("4 MiB into a terminal nobody reads").isNotNull();
        assertThat(refused.getMessage()).contains("not reading its terminal");
        try (dev.berth.sandbox.spi.TerminalInput held = deaf.openInput()) { // the same refusal over a held connection
            assertThatThrownBy(() -> held.write(chunk)).isInstanceOfSatisfying(SandboxException.class,
                    e -> assertThat(e.kind()).isEqualTo(SandboxException.Kind.BUSY));
        }
        // the sandbox goes on serving
        assertThat(run(s, "echo still-here").stdout()).isEqualTo("still-here\n");
        deaf.signal(9);
        piped.signal(9);
    }

    @Test
    void isolationOfProcessesHostnameFilesAndNetwork() throws Exception {
        Sandbox a = start("iso-a");
        Sandbox b = start("iso-b");
        String listen = "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0);"
                + " s.bind(('127.0.0.1',5432)); s.listen(); print('listening', flush=True); time.sleep(300)";
        RunningCommand la = a.spawn(spec(List.of("python3", "-c", listen)));
        RunningCommand lb = b.spawn(spec(List.of("python3", "-c", listen)));
        awaitOutput(la, "listening");
        awaitOutput(lb, "listening"); // both bound 127.0.0.1:5432 at once

        CommandResult host = run(a, "hostname; ls /proc | grep -c '^[0-9][0-9]*$'; ip -o link 2>/dev/null | wc -l || true");
        String[] lines = host.stdout().split("\n");
        assertThat(lines[0]).isEqualTo("iso-a");
        assertThat(Integer.parseInt(lines[1])).as("processes visible inside").isLessThan(10);

        CommandResult ps = run(a, "ps -eo args");
        assertThat(ps.stdout()).contains("python3").doesNotContain("java").doesNotContain("iso-b");

        run(a, "echo secret-a > /mnt/workspace/a.txt; echo tmp-a > /tmp/t");
        CommandResult seen = run(b, "cat /mnt/workspace/a.txt /tmp/t 2>&1; ls /mnt/workspace");
        assertThat(seen.stdout()).doesNotContain("secret-a").doesNotContain("tmp-a");

        CommandResult hostFiles = run(a, "cat /etc/shadow 2>&1; touch /usr/x 2>&1; echo done");
        assertThat(hostFiles.stdout()).contains("Permission denied").contains("Read-only").endsWith("done\n");
        la.signal(9);
        lb.signal(9);
    }

    @Test
    void workspaceSurvivesStopAndResume() throws Exception {
        SandboxSpec spec = sandboxSpec("persist", LIMITS);
        Sandbox first = driver.start(spec);
        run(first, "mkdir -p /mnt/workspace/.git && echo kept > /mnt/workspace/.git/HEAD && echo gone > /tmp/x");
        first.destroy();
        assertThat(first.isAlive()).isFalse();
        assertThat(Files.readString(spec.workspace().resolve(".git/HEAD"))).isEqualTo("kept\n");
        Sandbox second = start(spec);
        CommandResult r = run(second, "cat /mnt/workspace/.git/HEAD; cat /tmp/x 2>/dev/null || echo no-tmp");
        assertThat(r.stdout()).isEqualTo("kept\nno-tmp\n");
    }

    @Test
    void anImageRootIsSharedReadOnlyUnderEachSandboxsOwnWritableLayer() throws Exception {
        IdRange ids = driver.imageIds();
        Path image = temp.resolve("image");
        Files.createDirectories(image.resolve("app"));
        Files.writeString(image.resolve("app/hello.txt"), "from the image\n");
        try (var tree = Files.walk(image)) {
            for (Path p : tree.toList()) {
                Files.setAttribute(p, "unix:uid", (int) ids.hostBase());
                Files.setAttribute(p, "unix:gid", (int) ids.hostBase());
            }
        }
        SandboxSpec a = withRoot(sandboxSpec("image-a", LIMITS), RootFs.imageOnHost(image, temp.resolve("image-a/rootfs")));
        SandboxSpec b = withRoot(sandboxSpec("image-b", LIMITS), RootFs.imageOnHost(image, temp.resolve("image-b/rootfs")));
        Sandbox sa = start(a);
        Sandbox sb = start(b);

        CommandResult wrote = run(sa, "stat -c %u /app/hello.txt; echo changed > /app/hello.txt && echo new > /app/new"
                + " && mkdir -p /root/.cache && cat /app/hello.txt");
        assertThat(wrote.stdout()).as(wrote.stderr()).isEqualTo("0\nchanged\n");
        CommandResult other = run(sb, "cat /app/hello.txt; test -e /app/new && echo leaked || echo absent; test -e /root/.cache || echo clean");
        assertThat(other.stdout()).isEqualTo("from the image\nabsent\nclean\n");
        assertThat(Files.readString(image.resolve("app/hello.txt"))).as("the shared image is never written").isEqualTo("from the image\n");
        assertThat(run(sa, "test -w /usr/bin && echo writable || echo read-only").stdout())
                .as("the host's system directories stay read-only over the image").isEqualTo("read-only\n");

        sa.destroy();
        Sandbox again = start(a);
        assertThat(run(again, "cat /app/hello.txt /app/new; test -d /root/.cache && echo kept").stdout())
                .as("the writable layer outlives a stop").isEqualTo("changed\nnew\nkept\n");
    }

    @Test
    void aForwardedPortReachesThatSandboxsOwnLoopbackOnly() throws Exception {
        Sandbox a = start("port-a");
        Sandbox b = start("port-b");
        for (Sandbox s : List.of(a, b)) {
            run(s, "echo i am " + s.id() + " > /tmp/who");
            s.spawn(spec(List.of("python3", "-m", "http.server", "8080", "--bind", "127.0.0.1", "--directory", "/tmp")));
        }
        Path fa = a.forwardPort(8080);
        Path fb = b.forwardPort(8080);
        assertThat(a.forwardPort(8080)).as("asking again gives the same forward").isEqualTo(fa);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(httpGet(fa, "/who")).endsWith("i am port-a\n"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(httpGet(fb, "/who"))
                .as("same port, other sandbox, other server").endsWith("i am port-b\n")); // its server starts on its own time

        Path nobody = a.forwardPort(9);
        assertThat(httpGet(nobody, "/")).as("nothing listens: the connection just closes").isEmpty();
    }

    /** A whole HTTP/1.0 exchange over a unix socket: the response as text, or "" if the connection closed at once. */
    private static String httpGet(Path socket, String path) throws java.io.IOException {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(socket));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(8192);
            try {
                // a relay with nothing to reach may close before the request is even written (EPIPE)
                ch.write(java.nio.ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
                while (ch.read(buf.clear()) > 0) {
                    out.write(buf.array(), 0, buf.position());
                }
            } catch (java.io.IOException reset) {
                // a refused relay may reset or close rather than answer
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static SandboxSpec withRoot(SandboxSpec s, RootFs root) {
        return new SandboxSpec(s.id(), s.stateDir(), s.workspace(), s.limits(), root);
    }

    @Test
    void aMemoryHogIsKilledInItsOwnSandboxOnly() throws Exception {
        Sandbox small = start(sandboxSpec("hog", new ResourceLimits(64L << 20, 0, 256)));
        Sandbox other = start("bystander");
        CommandResult hog = run(small, spec(List.of("python3", "-c", "b = b'x' * (512 << 20); print(len(b))")));
        assertThat(hog.exit().signal()).as("OOM kill").isEqualTo(9);
        assertThat(hog.stdout()).isEmpty();
        assertThat(run(other, "echo alive").stdout()).isEqualTo("alive\n");
        assertThat(run(small, "echo still-usable").stdout()).isEqualTo("still-usable\n");
    }

    @Test
    void aForkBombIsContainedByThePidsLimit() throws Exception {
        Sandbox bombed = start(sandboxSpec("bomb", new ResourceLimits(256L << 20, 0, 64)));
        Sandbox other = start("calm");
        RunningCommand bomb = bombed.spawn(spec(List.of("/bin/bash", "-c", "f() { f | f & }; f; sleep 2"),
                CommandResult.ENV, "/", null, Duration.ofSeconds(3)));
        assertThat(run(other, "echo fine").stdout()).isEqualTo("fine\n");
        CommandResult r = CommandResult.collect(bomb, 0);
        assertThat(r.stderr()).containsIgnoringCase("resource temporarily unavailable");
        assertThat(run(other, "seq 1 3 | wc -l").stdout().strip()).isEqualTo("3");
    }

    @Test
    void bulkOutputArrivesCompleteWithSmallRetention() throws Exception {
        Sandbox s = start("bulk");
        long size = 200L << 20;
        RunningCommand c = s.spawn(new dev.berth.sandbox.spi.CommandSpec("bulk1", List.of("head", "-c", Long.toString(size), "/dev/zero"),
                CommandResult.ENV, "/", null, null, 8L << 20));
        long received = 0;
        CommandExit exit = null;
        try (OutputCursor cursor = c.follow(0)) {
            while (exit == null) {
                switch (cursor.next()) {
                    case OutputChunk.Data d -> received += d.data().remaining();
                    case OutputChunk.Gap g -> throw new AssertionError("a live reader must not see a gap: " + g);
                    case OutputChunk.Idle i -> throw new AssertionError("next() without a limit never idles");
                    case OutputChunk.End e -> exit = e.exit();
                }
            }
        }
        assertThat(received).isEqualTo(size);
        assertThat(exit.endOffset()).isEqualTo(size);
        assertThat(c.firstRetainedOffset()).as("old output trimmed once read").isGreaterThan(0);
    }

    @Test
    void unknownCommandsAreReported() {
        SandboxSpec spec = sandboxSpec("nocmd", LIMITS);
        start(spec);
        assertThatThrownBy(() -> driver.command(spec, "does-not-exist"))
                .isInstanceOf(SandboxException.class)
                .extracting(e -> ((SandboxException) e).kind()).isEqualTo(SandboxException.Kind.COMMAND_NOT_FOUND);
    }

    /** Reads the command's output until {@code text} appears (the command keeps running). */
    protected static void awaitOutput(RunningCommand c, String text) throws Exception {
        StringBuilder seen = new StringBuilder();
        try (OutputCursor cursor = c.follow(0)) {
            while (!seen.toString().contains(text)) {
                OutputChunk chunk = cursor.next();
                if (chunk instanceof OutputChunk.Data d) {
                    seen.append(StandardCharsets.UTF_8.decode(d.data()));
                } else if (chunk instanceof OutputChunk.End e) {
                    throw new AssertionError("command ended (" + e.exit() + ") before printing " + text + ": " + seen);
                }
            }
        }
    }
}
