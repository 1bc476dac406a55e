package dev.berth.sandbox.namespaces;

import static dev.berth.sandbox.contract.CommandResult.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.sandbox.contract.CommandResult;
import dev.berth.sandbox.contract.SandboxDriverContract;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.sandbox.spi.RunningCommand;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The namespaces driver against the driver contract (needs root; skipped with the reason otherwise). */
class NamespacesDriverTest extends SandboxDriverContract {
    @Override
    protected SandboxDriver createDriver(Path temp) {
        return new NamespacesDriver(NamespacesConfig.defaults(temp.resolve("bin"), "berth-test"));
    }

    @Test
    void oneWarmHelperClonesEveryCommand() throws Exception {
        Sandbox s = start("warm");
        Path state = temp.resolve("warm").resolve("state");
        assertThat(run(s, "true").exit().code()).isZero();
        long helper = awaitOneHelper(state);
        for (int i = 0; i < 20; i++) {
            // each command's pipes reach EOF: the helper must not keep a copy of them open
            CommandResult r = run(s, "echo " + i + "; echo e" + i + " >&2");
            assertThat(r.stdout()).isEqualTo(i + "\n");
            assertThat(r.stderr()).isEqualTo("e" + i + "\n");
        }
        assertThat(awaitOneHelper(state)).as("the same helper, joined once").isEqualTo(helper);
        assertThat(Files.readString(Path.of("/proc/" + helper + "/cgroup")))
                .as("the helper sits in the sandbox's cgroups, so its clones need no migration")
                .contains("berth-test");
    }

    @Test
    void aKilledHelperIsReplacedAndCommandsGoOn() throws Exception {
        Sandbox s = start("rewarm");
        Path state = temp.resolve("rewarm").resolve("state");
        assertThat(run(s, "true").exit().code()).isZero();
        long helper = awaitOneHelper(state);
        ProcessHandle.of(helper).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(Path.of("/proc/" + helper)));
        // a one-shot helper serves meanwhile, terminals included (the pty comes back over its socket)
        RunningCommand tty = s.spawn(new dev.berth.sandbox.spi.CommandSpec("t-oneshot-tty", List.of("/bin/sh", "-c", "tty"),
                CommandResult.ENV, "/mnt/workspace", null, null, 1 << 20, new dev.berth.sandbox.spi.TerminalSize(24, 80)));
        try (dev.berth.sandbox.contract.TerminalReader screen = new dev.berth.sandbox.contract.TerminalReader(tty.follow(0))) {
            assertThat(screen.await("\r\n")).startsWith("/dev/pts/");
            assertThat(screen.awaitExit().code()).isZero();
        }
        assertThat(run(s, "echo after").stdout()).isEqualTo("after\n");
        long next = awaitOneHelper(state);
        assertThat(next).isNotEqualTo(helper);
        assertThat(run(s, "echo again").stdout()).isEqualTo("again\n");
    }

    @Test
    void aSupervisorThatRefusesAWatchIsNotTakenForACommandThatDied() throws Exception {
        Sandbox s = start("busy");
        Path socket = temp.resolve("busy").resolve("state").resolve(NamespacesSandbox.SOCKET);
        RunningCommand task = s.spawn(CommandResult.spec(List.of("/bin/sh", "-c", "echo started; exec sleep 600")));
        List<SocketChannel> held = new ArrayList<>();
        try {
            for (int i = 0; i < 256; i++) { // the shim's connection limit
                held.add(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
            }
            try (OutputCursor cursor = task.follow(8)) { // past "started\n": it must wait on a watch
                // refused at accept, or hung up on before the refusal could be read: "try again" either way
                assertThatThrownBy(() -> cursor.next(Duration.ofSeconds(5)))
                        .isInstanceOf(IOException.class).hasMessageContaining("try again");
            }
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
        // the supervisor lets the held connections go as it gets to them: until then it says "try again", and is right
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsMatching(e -> String.valueOf(e.getMessage()).contains("try again"))
                .untilAsserted(() -> {
                    try (OutputCursor cursor = task.follow(0)) {
                        OutputChunk first = cursor.next(Duration.ofSeconds(30));
                        assertThat(first).isInstanceOf(OutputChunk.Data.class);
                        assertThat(cursor.next(Duration.ofMillis(200))).as("still running, not reported killed")
                                .isInstanceOf(OutputChunk.Idle.class);
                    }
                });
        assertThat(task.exit()).isEmpty();
        task.signal(9);
    }

    /** The shim's one child besides the sandbox init, once no command is running. */
    private static long awaitOneHelper(Path state) throws IOException {
        long shim = Long.parseLong(Files.readString(state.resolve("shim.pid")).strip());
        long init = Long.parseLong(Files.readString(state.resolve("init.pid")).strip());
        Path children = Path.of("/proc/" + shim + "/task/" + shim + "/children");
        AtomicReference<Set<Long>> others = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            others.set(Arrays.stream(Files.readString(children).trim().split("\\s+")).filter(t -> !t.isEmpty())
                    .map(Long::parseLong).filter(p -> p != init).collect(Collectors.toSet()));
            return others.get().size() == 1;
        });
        return others.get().iterator().next();
    }
}
