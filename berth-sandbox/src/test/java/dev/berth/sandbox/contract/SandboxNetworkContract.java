package dev.berth.sandbox.contract;

import static dev.berth.sandbox.contract.CommandResult.run;
import static dev.berth.sandbox.contract.CommandResult.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.sandbox.spi.RootFs;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.SandboxNetwork;
import dev.berth.sandbox.spi.SandboxSpec;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a sandbox reaches, for every driver: its own loopback, and the gateway at 127.0.0.1:7761,
 * relayed to the host's gateway socket with the session's tag in a PROXY v2 header that nothing
 * inside can see or forge. Nothing else: not the host's loopback services, not another sandbox.
 */
@Timeout(120)
public abstract class SandboxNetworkContract {
    private static final ResourceLimits LIMITS = new ResourceLimits(256L << 20, 0, 256);
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /** Connects to the gateway address; prints its own port, then what came back for its ping ("closed" if nothing). */
    private static final String CLIENT = """
            import socket
            s = socket.create_connection(('127.0.0.1', 7761))
            print(s.getsockname()[1], flush=True)
            msg = b'ping from ' + socket.gethostname().encode()
            got = b''
            try:
                s.sendall(msg)
                while len(got) < len(msg):
                    d = s.recv(4096)
                    if not d:
                        break
                    got += d
            except OSError:
                pass  # reset: closed before it read what we sent
            print(got.decode() or 'closed')
            """;

    /** For each HOST:PORT argument: what the connection read (a server's greeting), or why it failed. */
    private static final String PROBE = """
            import errno, socket, sys
            for a in sys.argv[1:]:
                host, port = a.rsplit(':', 1)
                s = socket.socket()
                s.settimeout(10)
                try:
                    s.connect((host, int(port)))
                    print(a, s.recv(100).decode() or 'connected')
                except OSError as e:
                    print(a, errno.errorcode.get(e.errno, repr(e)))
            """;

    /** Listens on 127.0.0.1 at each port argument and greets every client with the hostname. */
    private static final String GREETER = """
            import select, socket, sys
            ls = []
            for p in sys.argv[1:]:
                s = socket.socket()
                s.bind(('127.0.0.1', int(p)))
                s.listen()
                ls.append(s)
            print('listening', flush=True)
            while True:
                for s in select.select(ls, [], [])[0]:
                    c = s.accept()[0]
                    c.sendall(socket.gethostname().encode())
                    c.close()
            """;

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
        started.forEach(Sandbox::destroy);
        specs.forEach(driver::cleanUp);
    }

    protected SandboxSpec sandboxSpec(String id, SandboxNetwork network) {
        SandboxSpec spec = new SandboxSpec(id, temp.resolve(id).resolve("state"), temp.resolve(id).resolve("workspace"),
                LIMITS, RootFs.host(), network);
        specs.add(spec);
        return spec;
    }

    protected Sandbox start(SandboxSpec spec) {
        Sandbox s = driver.start(spec);
        started.add(s);
        return s;
    }

    /** Reads the command's output until {@code text} appears (the command keeps running). */
    protected static void awaitOutput(RunningCommand c, String text) throws Exception {
        SandboxDriverContract.awaitOutput(c, text);
    }

    protected static SandboxNetwork gateway(Path socket, String tag) {
        return new SandboxNetwork(socket, tag, null);
    }

    protected static String tag(String sessionId) {
        return sessionId + "." + UUID.randomUUID();
    }

    /** Runs CLIENT and checks the exchange: the echo came back, and the gateway saw exactly this header. */
    private static void assertRelayed(Sandbox s, EchoGateway gw, String tag) throws Exception {
        CommandResult r = run(s, spec(List.of("python3", "-c", CLIENT)));
        String[] lines = r.stdout().split("\n");
        assertThat(lines).as(r.stderr()).hasSize(2);
        assertThat(lines[1]).as("echoed by the host's socket").isEqualTo("ping from " + s.id());
        assertThat(gw.nextHeader(PATIENCE)).as("PROXY v2 header with %s's tag", s.id())
                .isEqualTo(EchoGateway.expectedHeader(tag, Integer.parseInt(lines[0])));
    }

    @Test
    void theGatewayAddressReachesTheHostSocketWithEachSandboxsOwnTag() throws Exception {
        String tagA = tag("gw-a");
        String tagB = tag("gw-b");
        try (EchoGateway gw = new EchoGateway(temp.resolve("gateway.sock"))) {
            Sandbox a = start(sandboxSpec("gw-a", gateway(gw.socket(), tagA)));
            Sandbox b = start(sandboxSpec("gw-b", gateway(gw.socket(), tagB)));
            assertRelayed(a, gw, tagA);
            assertRelayed(b, gw, tagB);
            assertRelayed(a, gw, tagA);
        }
    }

    @Test
    void aSandboxWithoutAGatewayHasNothingAtTheGatewayAddress() throws Exception {
        Sandbox s = start(sandboxSpec("no-gw", SandboxNetwork.none()));
        assertThat(run(s, spec(List.of("python3", "-c", PROBE, "127.0.0.1:7761"))).stdout())
                .isEqualTo("127.0.0.1:7761 ECONNREFUSED\n");
    }

    @Test
    void aSandboxCanNeitherTakeTheGatewayAddressNorFindItsTag() throws Exception {
        String tag = tag("gw-hide");
        try (EchoGateway gw = new EchoGateway(temp.resolve("gateway.sock"))) {
            Sandbox s = start(sandboxSpec("gw-hide", gateway(gw.socket(), tag)));
            String bind = """
                    import errno, socket
                    for addr in ('127.0.0.1', '0.0.0.0'):
                        s = socket.socket()
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                        try:
                            s.bind((addr, 7761))
                            s.listen()
                            print(addr, 'bound')
                        except OSError as e:
                            print(addr, errno.errorcode[e.errno])
                    """;
            assertThat(run(s, spec(List.of("python3", "-c", bind))).stdout()).as("even as the sandbox's root")
                    .isEqualTo("127.0.0.1 EADDRINUSE\n0.0.0.0 EADDRINUSE\n");

            // with a gateway connection open, every process's environ and cmdline, and every file it could have written
            run(s, "echo note > /tmp/note; env > /root/env; cp /proc/1/cmdline /mnt/workspace/init-cmdline");
            RunningCommand open = s.spawn(spec(List.of("python3", "-c",
                    "import socket, time; s = socket.create_connection(('127.0.0.1', 7761)); print('open', flush=True); time.sleep(300)")));
            awaitOutput(open, "open");
            gw.nextHeader(PATIENCE);
            String scan = """
                    import os, sys
                    tag = sys.stdin.buffer.read()
                    hits, read, unreadable = [], [], []
                    for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
                        for name in ('environ', 'cmdline'):
                            path = '/proc/%s/%s' % (pid, name)
                            try:
                                with open(path, 'rb') as f:
                                    data = f.read()
                                read.append(path)
                                if tag in data:
                                    hits.append(path)
                            except OSError:
                                unreadable.append(path)
                    # read-only mounts are the host's system directories: nothing could have been put there
                    ro = {l.split()[4] for l in open('/proc/self/mountinfo') if 'ro' in l.split()[5].split(',')}
                    files = 0
                    for root, dirs, names in os.walk('/'):
                        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ro and os.path.join(root, d) != '/proc']
                        for n in names:
                            path = os.path.join(root, n)
                            if os.path.isfile(path) and not os.path.islink(path):
                                try:
                                    with open(path, 'rb') as f:
                                        files += 1
                                        if tag in f.read():
                                            hits.append(path)
                                except OSError:
                                    pass
                    print('hits', hits)
                    print('read', ' '.join(sorted(read)))
                    print('unreadable', ' '.join(sorted(unreadable)))
                    print('files', files)
                    """;
            byte[] secret = tag.getBytes(StandardCharsets.US_ASCII);
            CommandResult r = run(s, spec(List.of("python3", "-c", scan), CommandResult.ENV, "/", secret, null));
            List<String> out = r.stdout().lines().toList();
            assertThat(out).as(r.stderr()).hasSize(4);
            assertThat(out.get(0)).isEqualTo("hits []");
            assertThat(out.get(1)).as("the scan saw the init's command line").contains("/proc/1/cmdline");
            assertThat(Integer.parseInt(out.get(3).substring("files ".length()))).as("files it wrote were scanned")
                    .isGreaterThanOrEqualTo(3);
            open.signal(9);
        }
    }

    @Test
    void theGatewayAddressOutlivesTheGatewayAndTheServer() throws Exception {
        String tag = tag("gw-restart");
        Path socket = temp.resolve("gateway.sock");
        SandboxSpec spec = sandboxSpec("gw-restart", gateway(socket, tag));
        Sandbox s = start(spec);
        CommandResult down = run(s, spec(List.of("python3", "-c", CLIENT)));
        assertThat(down.stdout()).as("no gateway listening: the connection closes at once").endsWith("\nclosed\n");
        try (EchoGateway gw = new EchoGateway(socket)) {
            assertRelayed(s, gw, tag);
        }
        try (EchoGateway again = new EchoGateway(socket)) { // a new gateway on the same path, and a new server
            Sandbox adopted = createDriver(temp).adopt(spec).orElseThrow();
            assertRelayed(adopted, again, tag);
        }
    }

    @Test
    void aGatewaySocketPathLongerThanAUnixAddressWorks() throws Exception {
        Path deep = temp.resolve("d".repeat(100)).resolve("e".repeat(40));
        Files.createDirectories(deep);
        Path shortcut = Files.createSymbolicLink(temp.resolve("s"), deep);
        Path socket = deep.resolve("gateway.sock");
        assertThat(socket.toString().length()).isGreaterThan(108);
        String tag = tag("gw-long");
        try (EchoGateway gw = new EchoGateway(shortcut.resolve("gateway.sock"), socket)) {
            Sandbox s = start(sandboxSpec("gw-long", gateway(socket, tag)));
            assertRelayed(s, gw, tag);
        }
    }

    @Test
    void theHostsLoopbackServicesAreUnreachable() throws Exception {
        try (ServerSocket host = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger accepted = new AtomicInteger();
            Thread.ofVirtual().start(() -> {
                while (!host.isClosed()) {
                    try (Socket c = host.accept()) {
                        accepted.incrementAndGet();
                        c.getOutputStream().write("host".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            try (Socket self = new Socket(InetAddress.getLoopbackAddress(), host.getLocalPort())) {
                assertThat(new String(self.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .as("the host service answers on the host").isEqualTo("host");
            }
            List<String> targets = new ArrayList<>(List.of("127.0.0.1:" + host.getLocalPort()));
            List<String> expected = new ArrayList<>(List.of("127.0.0.1:" + host.getLocalPort() + " ECONNREFUSED"));
            // the host's own addresses: the sandbox has no route to them (nothing leaves its network stack)
            for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
                if (nic.isUp() && !nic.isLoopback()) {
                    nic.inetAddresses().filter(Inet4Address.class::isInstance).forEach(addr -> {
                        targets.add(addr.getHostAddress() + ":" + host.getLocalPort());
                        expected.add(addr.getHostAddress() + ":" + host.getLocalPort() + " ENETUNREACH");
                    });
                }
            }
            Sandbox s = start(sandboxSpec("iso-host", SandboxNetwork.none()));
            List<String> argv = new ArrayList<>(List.of("python3", "-c", PROBE));
            argv.addAll(targets);
            assertThat(run(s, spec(argv)).stdout().lines().toList()).isEqualTo(expected);
            assertThat(accepted.get()).as("only the test's own connection reached the host service").isEqualTo(1);
        }
    }

    @Test
    void anotherSandboxsPortsAreUnreachableEvenOnTheSamePortNumber() throws Exception {
        Sandbox a = start(sandboxSpec("net-a", SandboxNetwork.none()));
        Sandbox b = start(sandboxSpec("net-b", SandboxNetwork.none()));
        RunningCommand ga = a.spawn(spec(List.of("python3", "-c", GREETER, "5433", "5434")));
        RunningCommand gb = b.spawn(spec(List.of("python3", "-c", GREETER, "5433")));
        awaitOutput(ga, "listening");
        awaitOutput(gb, "listening"); // both hold 127.0.0.1:5433
        assertThat(run(b, spec(List.of("python3", "-c", PROBE, "127.0.0.1:5433", "127.0.0.1:5434"))).stdout())
                .isEqualTo("127.0.0.1:5433 net-b\n127.0.0.1:5434 ECONNREFUSED\n");
        assertThat(run(a, spec(List.of("python3", "-c", PROBE, "127.0.0.1:5433", "127.0.0.1:5434"))).stdout())
                .isEqualTo("127.0.0.1:5433 net-a\n127.0.0.1:5434 net-a\n");
        ga.signal(9);
        gb.signal(9);
    }

    @Test
    void onlyLoopbackExists() throws Exception {
        try (EchoGateway gw = new EchoGateway(temp.resolve("gateway.sock"))) {
            Sandbox s = start(sandboxSpec("net-lo", gateway(gw.socket(), tag("net-lo"))));
            assertThat(run(s, spec(List.of("python3", "-c", "import socket; print(socket.if_nameindex())"))).stdout())
                    .as("a gateway adds no interface").isEqualTo("[(1, 'lo')]\n");
        }
    }
}
