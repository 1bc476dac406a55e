package dev.berth.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.sandbox.contract.CommandResult;
import dev.berth.sandbox.namespaces.NamespacesConfig;
import dev.berth.sandbox.namespaces.NamespacesDriver;
import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.sandbox.spi.RootFs;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxNetwork;
import dev.berth.sandbox.spi.SandboxSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real gateway, reached from inside real sandboxes at 127.0.0.1:7761 through their shims
 * (needs root; skipped with the reason otherwise).
 */
@Timeout(120)
class GatewayFromSandboxTest {
    @TempDir
    Path temp;
    private NamespacesDriver driver;
    private GatewayTags tags;
    private GatewayServer gateway;
    private final List<Sandbox> sandboxes = new ArrayList<>();
    private final List<SandboxSpec> specs = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        driver = new NamespacesDriver(NamespacesConfig.defaults(temp.resolve("bin"), "berth-test"));
        assumeTrue(driver.unavailableReason().isEmpty(),
                () -> "namespaces driver unavailable here: " + driver.unavailableReason().orElseThrow());
        tags = GatewayTags.loadOrCreate(temp.resolve("gateway.key"));
        GatewaySessions sessions = tag -> tags.sessionOf(tag)
                .map(id -> new GatewaySession(id, "alice", "agent@3", tags.modelKey(id)));
        Handler whoami = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                GatewaySession s = GatewaySession.of(request);
                String body = Content.Source.asString(request, StandardCharsets.UTF_8);
                String text = String.join(" ", s.sessionId(), s.owner(), s.runtime(), request.getMethod(),
                        Request.getPathInContext(request), body);
                response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        };
        gateway = new GatewayServer(temp.resolve("run").resolve("gateway.sock"), sessions,
                List.of(new GatewayServer.Mount("/whoami", whoami)), null);
        gateway.start();
    }

    @AfterEach
    void stop() throws Exception {
        sandboxes.forEach(Sandbox::destroy);
        specs.forEach(driver::cleanUp);
        if (gateway != null) {
            gateway.close();
        }
    }

    private Sandbox sandbox(String id, String tag) {
        SandboxSpec spec = new SandboxSpec(id, temp.resolve(id).resolve("state"), temp.resolve(id).resolve("workspace"),
                new ResourceLimits(256L << 20, 0, 256), RootFs.host(), new SandboxNetwork(gateway.socket(), tag, null));
        specs.add(spec);
        Sandbox s = driver.start(spec);
        sandboxes.add(s);
        return s;
    }

    /** curl inside the sandbox, with the environment Berth gives every sandboxed process. */
    private static String curl(Sandbox s, String modelKey, String args) throws Exception {
        Map<String, String> env = new HashMap<>(CommandResult.ENV);
        env.putAll(GatewayAddress.sandboxEnv(modelKey));
        CommandResult r = CommandResult.run(s, CommandResult.spec(List.of("/bin/sh", "-c",
                "curl -sS -w ' %{http_code}' " + args), env, "/", null, null));
        assertThat(r.stderr()).isEmpty();
        return r.stdout();
    }

    @Test
    void aSandboxsRequestsReachTheMountAsItsOwnSession() throws Exception {
        Sandbox one = sandbox("s-one", tags.connectionTag("s-one"));
        Sandbox two = sandbox("s-two", tags.connectionTag("s-two"));
        assertThat(curl(one, tags.modelKey("s-one"), "\"$BERTH_GATEWAY_URL/whoami/x\""))
                .isEqualTo("s-one alice agent@3 GET /whoami/x  200");
        assertThat(curl(two, tags.modelKey("s-two"), "-d hello http://127.0.0.1:7761/whoami"))
                .isEqualTo("s-two alice agent@3 POST /whoami hello 200");
        assertThat(curl(one, tags.modelKey("s-one"), "http://127.0.0.1:7761/elsewhere"))
                .contains("route_not_found").endsWith(" 404");
    }

    @Test
    void aSandboxWhoseTagNamesNoSessionIsRefused() throws Exception {
        String forged = "s-one." + tags.connectionTag("s-other").substring("s-other.".length());
        Sandbox s = sandbox("s-forged", forged);
        assertThat(curl(s, tags.modelKey("s-forged"), "http://127.0.0.1:7761/whoami"))
                .contains("gateway_unknown_session").endsWith(" 403");
    }
}
