package dev.berth.sandbox.namespaces;

import static dev.berth.sandbox.contract.CommandResult.run;
import static dev.berth.sandbox.namespaces.RoutedTestNet.HOST_SIDE;
import static dev.berth.sandbox.namespaces.RoutedTestNet.WORLD_A;
import static dev.berth.sandbox.namespaces.RoutedTestNet.WORLD_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.sandbox.contract.CommandResult;
import dev.berth.sandbox.namespaces.routed.DeniedConnection;
import dev.berth.sandbox.namespaces.routed.RoutedConfig;
import dev.berth.sandbox.namespaces.routed.RoutedLink;
import dev.berth.sandbox.namespaces.routed.RoutedNetworks;
import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.sandbox.spi.RootFs;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxNetwork;
import dev.berth.sandbox.spi.SandboxNetwork.Destination;
import dev.berth.sandbox.spi.SandboxNetwork.RoutedNetwork;
import dev.berth.sandbox.spi.SandboxSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routed networking from inside real sandboxes, against network namespaces the test makes itself
 * (never the machine's own): the allow-list lets through exactly what it names, the host side's own
 * services and other sessions stay unreachable, every refusal is reported, and nothing is left behind.
 */
@Timeout(180)
class RoutedNetworkingTest {
    private static final ResourceLimits LIMITS = new ResourceLimits(256L << 20, 0, 256);
    /**
     * Connects to each {@code proto:addr:port[:source]} at once ({@code icmp:addr:0} pings); prints
     * what answered, or {@code timeout}.
     */
    private static final String PROBE = """
            import socket, struct, sys, threading
            out = {}
            def checksum(b):
                s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
                s = (s >> 16) + (s & 0xffff)
                return ~(s + (s >> 16)) & 0xffff
            def probe(spec):
                proto, host, port, *source = spec.split(":")
                try:
                    if proto == "icmp":
                        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
                        s.settimeout(2)
                        echo = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"berth"
                        s.sendto(echo[:2] + struct.pack("!H", checksum(echo + b"\\0")) + echo[4:], (host, 0))
                        while True:
                            data, peer = s.recvfrom(200)
                            if peer[0] == host and data[20] == 0:
                                out[spec] = "pong"
                                break
                    elif proto == "tcp":
                        s = socket.create_connection((host, int(port)), timeout=2,
                                                     source_address=(source[0], 0) if source else None)
                        out[spec] = s.recv(100).decode().strip()
                    else:
                        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        s.settimeout(2)
                        s.sendto(b"ping", (host, int(port)))
                        out[spec] = s.recvfrom(100)[0].decode()
                except socket.timeout:
                    out[spec] = "timeout"
                except OSError as e:
                    out[spec] = "error " + str(e.strerror)
            threads = [threading.Thread(target=probe, args=(a,)) for a in sys.argv[1:]]
            [t.start() for t in threads]
            [t.join() for t in threads]
            for a in sys.argv[1:]:
                print(a + " " + out[a])
            """;

    private static RoutedTestNet net;
    private static Set<String> rootLinksBefore;
    private static boolean rootHadBerthTable;

    @TempDir
    Path temp;

    private final Queue<DeniedConnection> denied = new ConcurrentLinkedQueue<>();
    private NamespacesDriver driver;
    private final List<Sandbox> started = new ArrayList<>();
    private final List<SandboxSpec> specs = new ArrayList<>();

    @BeforeAll
    static void makeNetworks() throws Exception {
        NamespacesDriver probe = new NamespacesDriver(NamespacesConfig.defaults(Path.of("/nonexistent"), "berth-test"));
        assumeTrue(probe.unavailableReason().isEmpty(), () -> "namespaces driver unavailable: " + probe.unavailableReason().get());
        for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/nft", "/usr/bin/nsenter", "/usr/bin/python3")) {
            assumeTrue(Files.isExecutable(Path.of(tool)), () -> tool + " is missing (scripts/test-deps installs it)");
        }
        rootLinksBefore = rootLinks();
        rootHadBerthTable = RoutedTestNet.sh("nft", "list", "tables").contains("inet berth");
        net = RoutedTestNet.create();
    }

    @AfterAll
    static void removeNetworks() throws Exception {
        if (net == null) {
            return;
        }
        net.close();
        assertThat(rootLinks()).as("the machine's own interfaces are untouched").isSubsetOf(rootLinksBefore)
                .noneMatch(l -> l.startsWith("bv") || l.startsWith("berth"));
        assertThat(RoutedTestNet.sh("nft", "list", "tables").contains("inet berth"))
                .as("no berth table in the machine's own namespace").isEqualTo(rootHadBerthTable);
    }

    private static Set<String> rootLinks() throws Exception {
        return linkNames(RoutedTestNet.sh("ip", "-br", "link"));
    }

    private static Set<String> hostLinks() throws Exception {
        return linkNames(net.inHost("ip", "-br", "link"));
    }

    private static Set<String> linkNames(String brief) {
        return Arrays.stream(brief.split("\n")).filter(l -> !l.isBlank())
                .map(l -> l.split("\\s+")[0].replaceAll("@.*", "")).collect(Collectors.toSet());
    }

    @BeforeEach
    void makeDriver() {
        net.worldLog.clear();
        net.hostLog.clear();
        driver = newDriver(denied);
    }

    private NamespacesDriver newDriver(Queue<DeniedConnection> sink) {
        RoutedConfig routed = new RoutedConfig(net.hostNetns(), RoutedConfig.DEFAULT_POOL, Duration.ofMillis(200));
        return new NamespacesDriver(NamespacesConfig.defaults(temp.resolve("bin"), "berth-test").withRouted(routed), sink::add);
    }

    @AfterEach
    void destroyAll() {
        started.forEach(Sandbox::destroy);
        specs.forEach(driver::cleanUp);
    }

    private SandboxSpec spec(String id, Destination... allow) {
        SandboxNetwork network = allow.length == 0 ? SandboxNetwork.none()
                : new SandboxNetwork(null, null, new RoutedNetwork(List.of(allow)));
        SandboxSpec spec = new SandboxSpec(id, temp.resolve(id).resolve("state"), temp.resolve(id).resolve("workspace"),
                LIMITS, RootFs.host(), network);
        specs.add(spec);
        return spec;
    }

    private Sandbox start(SandboxSpec spec) {
        Sandbox s = driver.start(spec);
        started.add(s);
        return s;
    }

    /** What each target answered, from inside the sandbox. */
    private static Map<String, String> probe(Sandbox s, String... targets) throws Exception {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/python3", "-c", PROBE));
        argv.addAll(List.of(targets));
        CommandResult r = run(s, CommandResult.spec(argv));
        assertThat(r.exit().code()).as(r.stderr()).isZero();
        Map<String, String> answers = new LinkedHashMap<>();
        for (String line : r.stdout().strip().split("\n")) {
            int at = line.indexOf(' ');
            answers.put(line.substring(0, at), line.substring(at + 1));
        }
        return answers;
    }

    private static Destination tcp(String cidr, int port) {
        return new Destination(cidr, "tcp", port, port);
    }

    private void awaitDenied(String session, String protocol, String address, int port) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(denied).anySatisfy(d -> {
            assertThat(d.sessionId()).isEqualTo(session);
            assertThat(d.protocol()).isEqualTo(protocol);
            assertThat(d.address()).isEqualTo(address);
            assertThat(d.port()).isEqualTo(port);
            assertThat(d.packets()).isPositive();
        }));
    }

    @Test
    void onlyTheAllowListGetsThroughAndEveryRefusalIsReported() throws Exception {
        Sandbox s = start(spec("routed-allow", tcp(WORLD_A + "/32", 8080), new Destination(WORLD_A, "udp", 5300, 5300)));
        RoutedLink link = RoutedNetworks.linkOf(temp.resolve("routed-allow").resolve("state")).orElseThrow();
        assertThat(run(s, "cat /proc/net/dev").stdout()).contains("eth0:").contains("lo:");

        Map<String, String> answers = probe(s,
                "tcp:" + WORLD_A + ":8080",               // allowed
                "tcp:" + WORLD_A + ":8081",               // same address, other port
                "tcp:" + WORLD_B + ":8080",               // same port, other address of the same world
                "tcp:" + HOST_SIDE + ":9090",             // the host side's own service, on its uplink address
                "tcp:" + link.hostAddress() + ":9090",    // ... and on the sandbox's default gateway
                "udp:" + WORLD_A + ":5300",               // allowed UDP
                "udp:" + WORLD_A + ":5301",               // UDP on a port not allowed
                "icmp:" + WORLD_A + ":0");                // no ping: only TCP and UDP are named
        assertThat(answers).containsExactly(
                Map.entry("tcp:" + WORLD_A + ":8080", "world 8080"),
                Map.entry("tcp:" + WORLD_A + ":8081", "timeout"),
                Map.entry("tcp:" + WORLD_B + ":8080", "timeout"),
                Map.entry("tcp:" + HOST_SIDE + ":9090", "timeout"),
                Map.entry("tcp:" + link.hostAddress() + ":9090", "timeout"),
                Map.entry("udp:" + WORLD_A + ":5300", "ping world 5300"),
                Map.entry("udp:" + WORLD_A + ":5301", "timeout"),
                Map.entry("icmp:" + WORLD_A + ":0", "timeout"));

        awaitDenied("routed-allow", "tcp", WORLD_A, 8081);
        awaitDenied("routed-allow", "tcp", WORLD_B, 8080);
        awaitDenied("routed-allow", "tcp", HOST_SIDE, 9090);
        awaitDenied("routed-allow", "tcp", link.hostAddress(), 9090);
        awaitDenied("routed-allow", "udp", WORLD_A, 5301);
        awaitDenied("routed-allow", "icmp", WORLD_A, 0);
        assertThat(denied).as("the allowed ones are not reported")
                .noneMatch(d -> d.port() == 5300 || (d.port() == 8080 && d.address().equals(WORLD_A)));
        assertThat(denied).filteredOn(DeniedConnection::firstReport).extracting(d -> d.protocol() + " " + d.address() + ":" + d.port())
                .doesNotHaveDuplicates();
        // the world saw the allowed ones only, from the host side's address (masqueraded)
        assertThat(net.worldLog).containsExactlyInAnyOrder("tcp " + WORLD_A + ":8080 from " + HOST_SIDE, "udp 5300 from " + HOST_SIDE);
        assertThat(net.hostLog).isEmpty();

        // root in its own netns, it may give itself any address: the host drops what it sends from one
        String spoofed = "10.231.255.254";
        assertThat(run(s, "ip addr add " + spoofed + "/32 dev eth0").exit().code()).isZero();
        assertThat(probe(s, "tcp:" + WORLD_A + ":8080:" + spoofed)).containsValue("timeout");
        assertThat(net.worldLog).hasSize(2);
    }

    @Test
    void anotherSessionAndTheHostStayUnreachableEvenWhenEverythingIsAllowed() throws Exception {
        Destination anywhere = new Destination("0.0.0.0/0", "tcp", 1, 65535);
        Sandbox a = start(spec("routed-a", anywhere));
        Sandbox b = start(spec("routed-b", anywhere));
        RoutedLink linkB = RoutedNetworks.linkOf(temp.resolve("routed-b").resolve("state")).orElseThrow();
        b.spawn(CommandResult.spec(List.of("/usr/bin/python3", "-c", """
                import socket
                s = socket.socket(); s.bind(("0.0.0.0", 7000)); s.listen(4)
                while True:
                    c, _ = s.accept(); c.sendall(b"b 7000\\n"); c.close()
                """)));
        await().atMost(Duration.ofSeconds(20)).until(() -> probe(b, "tcp:127.0.0.1:7000").containsValue("b 7000"));

        Map<String, String> answers = probe(a,
                "tcp:" + WORLD_B + ":8081",
                "tcp:" + linkB.sandboxAddress() + ":7000",
                "tcp:" + HOST_SIDE + ":9090");
        assertThat(answers).containsExactly(
                Map.entry("tcp:" + WORLD_B + ":8081", "world 8081"),
                Map.entry("tcp:" + linkB.sandboxAddress() + ":7000", "timeout"),
                Map.entry("tcp:" + HOST_SIDE + ":9090", "timeout"));
        awaitDenied("routed-a", "tcp", linkB.sandboxAddress(), 7000);
        awaitDenied("routed-a", "tcp", HOST_SIDE, 9090);
        assertThat(probe(b, "tcp:" + WORLD_A + ":8080")).containsValue("world 8080");
    }

    @Test
    void aSandboxWithoutRoutedNetworkingHasOnlyLoopback() throws Exception {
        Set<String> before = hostLinks();
        Sandbox s = start(spec("routed-none"));
        String devices = run(s, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '").stdout();
        assertThat(devices).isEqualTo("lo\n");
        assertThat(hostLinks()).as("no veth on the host side").isSubsetOf(before);
    }

    @Test
    void destroyAndCleanUpLeaveNoVethAndNoRules() throws Exception {
        SandboxSpec spec = spec("routed-gone", tcp(WORLD_A, 8080));
        Sandbox s = start(spec);
        String iface = RoutedNetworks.linkOf(spec.stateDir()).orElseThrow().iface();
        assertThat(net.inHost("ip", "-br", "link")).contains(iface);
        assertThat(net.inHost("nft", "list", "table", "inet", "berth")).contains(iface + "_out", iface + "_denied");

        s.destroy();
        await().atMost(Duration.ofSeconds(20)).until(() -> !net.inHost("ip", "-br", "link").contains(iface));
        assertThat(net.inHost("nft", "list", "table", "inet", "berth")).doesNotContain(iface);
        driver.cleanUp(spec); // idempotent, for crashed remains
        driver.cleanUp(spec);
        assertThat(RoutedNetworks.linkOf(spec.stateDir())).isEmpty();
    }

    @Test
    void aCrashedSandboxsRemainsAreCleanedUp() throws Exception {
        SandboxSpec spec = spec("routed-crash", tcp(WORLD_A, 8080));
        start(spec);
        String iface = RoutedNetworks.linkOf(spec.stateDir()).orElseThrow().iface();
        long shim = Long.parseLong(Files.readString(spec.stateDir().resolve("shim.pid")).strip());
        long init = Long.parseLong(Files.readString(spec.stateDir().resolve("init.pid")).strip());
        ProcessHandle.of(shim).ifPresent(ProcessHandle::destroyForcibly);
        ProcessHandle.of(init).ifPresent(ProcessHandle::destroyForcibly);

        newDriver(new ConcurrentLinkedQueue<>()).cleanUp(spec); // as a restarted server would
        await().atMost(Duration.ofSeconds(20)).until(() -> !net.inHost("ip", "-br", "link").contains(iface));
        assertThat(net.inHost("nft", "list", "table", "inet", "berth")).doesNotContain(iface);
    }

    @Test
    void aSandboxReadoptedWithoutRoutedNetworkingLosesItsVeth() throws Exception {
        SandboxSpec routedSpec = spec("routed-dropped", tcp(WORLD_A, 8080));
        start(routedSpec);
        String iface = RoutedNetworks.linkOf(routedSpec.stateDir()).orElseThrow().iface();
        SandboxSpec plain = new SandboxSpec(routedSpec.id(), routedSpec.stateDir(), routedSpec.workspace(), LIMITS,
                RootFs.host(), SandboxNetwork.none()); // its policy changed while the server was down

        Sandbox adopted = newDriver(new ConcurrentLinkedQueue<>()).adopt(plain).orElseThrow();
        assertThat(hostLinks()).doesNotContain(iface);
        assertThat(net.inHost("nft", "list", "table", "inet", "berth")).doesNotContain(iface);
        assertThat(run(adopted, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '").stdout()).isEqualTo("lo\n");
    }

    @Test
    void aRestartedServerKeepsTheRulesAndRestoresMissingOnes() throws Exception {
        SandboxSpec spec = spec("routed-adopt", tcp(WORLD_A, 8080));
        Sandbox s = start(spec);
        assertThat(probe(s, "tcp:" + WORLD_B + ":8080")).containsValue("timeout");
        awaitDenied("routed-adopt", "tcp", WORLD_B, 8080);

        Queue<DeniedConnection> after = new ConcurrentLinkedQueue<>();
        NamespacesDriver restarted = newDriver(after);
        Sandbox adopted = restarted.adopt(spec).orElseThrow();
        assertThat(probe(adopted, "tcp:" + WORLD_A + ":8080", "tcp:" + WORLD_A + ":8081"))
                .containsValues("world 8080", "timeout");
        await().atMost(Duration.ofSeconds(20)).until(() -> after.stream().anyMatch(d -> d.port() == 8081));
        assertThat(after).as("what the first server reported is not reported again")
                .noneMatch(d -> d.address().equals(WORLD_B));

        net.inHost("nft", "delete", "table", "inet", "berth"); // someone flushed the host's rules
        String iface = RoutedNetworks.linkOf(spec.stateDir()).orElseThrow().iface();
        await().atMost(Duration.ofSeconds(20)).until(() -> net.inHost("nft", "list", "tables").contains("inet berth")
                && net.inHost("nft", "list", "table", "inet", "berth").contains(iface + "_out"));
        assertThat(probe(adopted, "tcp:" + WORLD_A + ":8080", "tcp:" + WORLD_B + ":8081"))
                .containsValues("world 8080", "timeout");
        await().atMost(Duration.ofSeconds(20)).until(() -> after.stream().anyMatch(d -> d.address().equals(WORLD_B) && d.port() == 8081));
    }
}
