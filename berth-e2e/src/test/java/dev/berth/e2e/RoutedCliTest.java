package dev.berth.e2e;

import static dev.berth.e2e.RoutedWorld.HOST_SIDE;
import static dev.berth.e2e.RoutedWorld.WORLD_A;
import static dev.berth.e2e.RoutedWorld.WORLD_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth session create --allow-cidr} through the real CLI and a real server: the session's
 * sandbox reaches exactly the address and port it was allowed, nothing else, and every refusal shows
 * in {@code berth audit ls}. The whole server runs inside a network namespace the test made
 * ({@link RoutedWorld}'s HOST, with the world beyond it), so its veths and nft table land there: the
 * machine's own namespace gains no interface and no table, which the test checks while the routed
 * sandbox runs and after it all is gone. HOST has no default route and needs none (the world is on
 * its link; the driver turns on HOST's forwarding and masquerades the sandboxes' traffic).
 */
@Timeout(300)
class RoutedCliTest {
    /** Connects to each {@code addr:port} at once; prints what answered, {@code timeout} or the error. */
    private static final String PROBE = """
            import socket, sys, threading
            out = {}
            def probe(target):
                host, port = target.split(":")
                try:
                    s = socket.create_connection((host, int(port)), timeout=3)
                    out[target] = s.recv(100).decode().strip()
                except socket.timeout:
                    out[target] = "timeout"
                except OSError as e:
                    out[target] = "error " + str(e.strerror)
            threads = [threading.Thread(target=probe, args=(t,)) for t in sys.argv[1:]]
            [t.start() for t in threads]
            [t.join() for t in threads]
            for t in sys.argv[1:]:
                print(t + " " + out[t])
            """;

    @TempDir
    static Path data;
    static RoutedWorld net;
    static Cli cli;
    static ServerProcess server;
    static Set<String> rootLinksBefore;
    static Set<String> rootTablesBefore;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "routed networking needs root (network namespaces, veths, nft)");
        for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/nft", "/usr/bin/nsenter", "/usr/bin/python3")) {
            assumeTrue(Files.isExecutable(Path.of(tool)), () -> tool + " is missing (scripts/test-deps installs it)");
        }
        rootLinksBefore = rootLinks();
        rootTablesBefore = rootTables();
        net = RoutedWorld.create();
        cli = new Cli(data, Map.of()).inNetns(net.hostNetns());
        server = ServerProcess.start(cli, data);
        cli.assumeSandboxes();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (server != null) {
                // sessions outlive their server by design: removed through it first (only a CLI in
                // HOST reaches it, so Host.tearDown's API client cannot)
                for (JsonNode s : Json.mapper().readTree(cli.run("session", "ls", "--json").stdout())) {
                    Cli.Result rm = cli.run("session", "rm", s.get("id").asText());
                    assertThat(rm.exit()).as(rm.stderr()).isZero();
                }
                server.close();
                assertThat(Host.sweep(data)).as("what the server left behind").isEmpty();
            }
        } finally {
            if (net != null) {
                net.close();
                assertMachineUntouched();
            }
        }
    }

    private static Set<String> rootLinks() throws Exception {
        return RoutedWorld.linkNames(RoutedWorld.sh("ip", "-br", "link"));
    }

    private static Set<String> rootTables() throws Exception {
        return Set.of(RoutedWorld.sh("nft", "list", "tables").split("\n"));
    }

    /** Nothing added to the machine's own namespace (others' tests may remove things meanwhile: not ours to judge). */
    private static void assertMachineUntouched() throws Exception {
        assertThat(rootLinks()).as("the machine's own interfaces").isSubsetOf(rootLinksBefore)
                .noneMatch(l -> l.startsWith("bv"));
        assertThat(rootTables()).as("the machine's own nft tables").isSubsetOf(rootTablesBefore);
    }

    /** What each {@code addr:port} answered, from inside session {@code id}'s sandbox. */
    private static Map<String, String> probe(String id, String... targets) throws Exception {
        List<String> argv = new ArrayList<>(List.of("run", id, "--", "/usr/bin/python3", "-c", PROBE));
        argv.addAll(List.of(targets));
        Cli.Result r = cli.run(argv.toArray(String[]::new));
        assertThat(r.exit()).as(r.stderr()).isZero();
        Map<String, String> answers = new LinkedHashMap<>();
        for (String line : r.stdout().strip().split("\n")) {
            int at = line.indexOf(' ');
            answers.put(line.substring(0, at), line.substring(at + 1));
        }
        return answers;
    }

    /** Interface names inside session {@code id}'s sandbox. */
    private static Set<String> sandboxLinks(String id) throws Exception {
        Cli.Result r = cli.run("run", id, "--", "ip", "-br", "link");
        assertThat(r.exit()).as(r.stderr()).isZero();
        return RoutedWorld.linkNames(r.stdout());
    }

    @Test
    void anAllowedCidrIsReachedAndEverythingElseIsRefusedAndAudited() throws Exception {
        Cli.Result created = cli.run("session", "create", "cidr", "--allow-cidr", WORLD_A + "/32:8080");
        assertThat(created.exit()).as(created.stderr()).isZero();
        assertThat(sandboxLinks("cidr")).containsExactlyInAnyOrder("lo", "eth0");

        Map<String, String> answers = probe("cidr", WORLD_A + ":8080", WORLD_A + ":8081", WORLD_B + ":8080");
        assertThat(answers).containsExactly(
                Map.entry(WORLD_A + ":8080", "world 8080"),
                Map.entry(WORLD_A + ":8081", "timeout"), // dropped by the host side's nft, not refused by the world
                Map.entry(WORLD_B + ":8080", "timeout"));
        // the world saw one connection, from the host side's address: the driver masqueraded it
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> // its log is read on another thread
                assertThat(net.worldLog).containsExactly("tcp " + WORLD_A + ":8080 from " + HOST_SIDE));

        // the veth and the rules are in the server's namespace, and only there
        String hostLinks = net.inHost("ip", "-br", "link");
        assertThat(RoutedWorld.linkNames(hostLinks)).anyMatch(l -> l.startsWith("bv"));
        assertThat(net.inHost("nft", "list", "table", "inet", "berth")).contains("ip daddr " + WORLD_A + " tcp dport 8080");
        assertMachineUntouched();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Cli.Result ls = cli.run("audit", "ls", "--session", "cidr", "--action", "network.", "--json");
            assertThat(ls.exit()).as(ls.stderr()).isZero();
            List<String> denied = new ArrayList<>();
            for (JsonNode e : Json.mapper().readTree(ls.stdout())) {
                if (e.get("action").asText().equals("network.connect") && e.get("outcome").asText().equals("denied")) {
                    denied.add(e.get("resource").asText());
                }
            }
            assertThat(denied).contains("net/" + WORLD_A + ":8081", "net/" + WORLD_B + ":8080")
                    .doesNotContain("net/" + WORLD_A + ":8080");
        });
        Cli.Result table = cli.run("audit", "ls", "--session", "cidr", "--action", "network.");
        assertThat(table.stdout()).contains("network.connect").contains("denied").contains("\"via\":\"routed\"")
                .contains("net/" + WORLD_B + ":8080");
    }

    @Test
    void aSessionWithoutCidrRulesHasOnlyLoopback() throws Exception {
        Cli.Result created = cli.run("session", "create", "plain");
        assertThat(created.exit()).as(created.stderr()).isZero();
        assertThat(sandboxLinks("plain")).containsExactly("lo");
        assertThat(probe("plain", WORLD_A + ":8080")).containsExactly(Map.entry(WORLD_A + ":8080", "error Network is unreachable"));
    }
}
