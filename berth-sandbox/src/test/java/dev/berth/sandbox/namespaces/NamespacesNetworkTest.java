package dev.berth.sandbox.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.sandbox.contract.CommandResult;
import dev.berth.sandbox.contract.EchoGateway;
import dev.berth.sandbox.contract.SandboxNetworkContract;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.sandbox.spi.SandboxSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The namespaces driver against the network contract (needs root; skipped with the reason otherwise). */
class NamespacesNetworkTest extends SandboxNetworkContract {
    @Override
    protected SandboxDriver createDriver(Path temp) {
        return new NamespacesDriver(NamespacesConfig.defaults(temp.resolve("bin"), "berth-test"));
    }

    @Test
    void aGatewaySocketNameTooLongForAUnixAddressIsRefusedAtStart() {
        SandboxSpec spec = sandboxSpec("gw-name", gateway(temp.resolve("g".repeat(108)), tag("gw-name")));
        assertThatThrownBy(() -> start(spec)).isInstanceOf(SandboxException.class)
                .hasMessageContaining("did not start: gateway")
                .hasMessageContaining("last part has 1 to 107 bytes");
        assertThat(Files.exists(spec.stateDir().resolve("gateway.tag"))).as("the tag file is gone").isFalse();
    }

    @Test
    void atMost64GatewayConnectionsAreRelayedAtOnceAndTheRestWaitTheirTurn() throws Exception {
        String tag = tag("gw-many");
        try (EchoGateway gw = new EchoGateway(temp.resolve("gateway.sock"))) {
            SandboxSpec spec = sandboxSpec("gw-many", gateway(gw.socket(), tag));
            Sandbox s = start(spec);
            String many = """
                    import os, socket, time
                    held = [socket.create_connection(('127.0.0.1', 7761)) for _ in range(70)]
                    print('connected', flush=True)
                    while not os.path.exists('/mnt/workspace/go'):
                        time.sleep(0.02)
                    for c in held[:6]:
                        c.close()
                    time.sleep(300)
                    """;
            RunningCommand client = s.spawn(CommandResult.spec(List.of("python3", "-c", many)));
            awaitOutput(client, "connected"); // the kernel completed all 70 handshakes: the backlog holds the rest
            for (int i = 0; i < 64; i++) {
                gw.nextHeader(Duration.ofSeconds(30));
            }
            long shim = Long.parseLong(Files.readString(spec.stateDir().resolve("shim.pid")).strip());
            List<String> relays = new java.util.ArrayList<>();
            for (String child : Files.readString(Path.of("/proc/" + shim + "/task/" + shim + "/children")).strip().split("\\s+")) {
                // the init and the warm spawn helper are in the sandbox's cgroups; relays stay out of them
                if (!Files.readString(Path.of("/proc/" + child + "/cgroup")).contains("berth-test")) {
                    relays.add(child);
                }
            }
            assertThat(relays).as("host processes a sandbox can make by connecting").hasSize(64);
            Files.writeString(spec.workspace().resolve("go"), "");
            for (int i = 0; i < 6; i++) { // each closed connection makes room for one that waited
                gw.nextHeader(Duration.ofSeconds(30));
            }
            client.signal(9);
        }
    }
}
