package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.RuntimeInfo;
import dev.berth.api.model.SessionInfo;
import dev.berth.runtimes.testing.AgentImage;
import dev.berth.runtimes.testing.RegistryUpload;
import dev.berth.runtimes.testing.TestRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** An OCI image the test builds (a static agent, two layers with a whiteout) deployed and invoked in two sessions. */
@Timeout(180)
class RuntimeImageTest {
    @TempDir
    Path data;
    @TempDir
    Path work;

    TestServer server;
    BerthClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(data);
        server.assumeSandboxes();
        client = server.client();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.removeSessionsAndClose();
        }
    }

    @Test
    void anImageFromAnOciLayoutRunsItsEntrypointInEachSessionOnItsOwnWritableLayer() throws Exception {
        Path layout = AgentImage.build(work, 0).writeLayout(work.resolve("layout"), "v1");
        RuntimeInfo r = client.deployImage("img", "oci-layout:" + layout + ":v1", false);
        assertThat(r.kind()).isEqualTo("image");
        assertThat(r.entrypoint()).containsExactly("/bin/agent");
        assertThat(r.env()).containsEntry("GREETING", AgentImage.GREETING);

        JsonNode a1 = part1("img-a");
        assertThat(a1.path("host").asText()).isEqualTo("img-a");
        assertThat(a1.path("greeting").asText()).as("the image's env").isEqualTo(AgentImage.GREETING);
        assertThat(a1.path("whitedOut").asBoolean()).as("layer 2's whiteout applied").isTrue();
        assertThat(a1.path("count").asInt()).isEqualTo(1);
        assertThat(part1("img-a").path("count").asInt()).isEqualTo(2);
        JsonNode b1 = part1("img-b");
        assertThat(b1.path("host").asText()).isEqualTo("img-b");
        assertThat(b1.path("count").asInt()).as("sessions share the image, not their writes").isEqualTo(1);

        // one tree for the image, never written; each session's writes in its own layer
        Path trees = data.resolve("runtimes/rootfs");
        assertThat(list(trees)).hasSize(1);
        Path tree = trees.resolve(list(trees).getFirst());
        assertThat(tree.resolve("var/lib/agent/count")).doesNotExist();
        assertThat(Files.readString(data.resolve("sessions/img-a/rootfs/upper/var/lib/agent/count"))).isEqualTo("2");
        assertThat(Files.readString(data.resolve("sessions/img-b/rootfs/upper/var/lib/agent/count"))).isEqualTo("1");
        assertThat(Files.getAttribute(tree.resolve("bin/agent"), "unix:uid"))
                .as("owned by the sandboxes' root").isEqualTo((int) server.server.driver().imageIds().hostBase());

        // the writable layer outlives a stop; the same image deployed again shares the tree
        client.stopSession("img-a");
        assertThat(part1("img-a").path("count").asInt()).isEqualTo(3);
        RuntimeInfo again = client.deployImage("img", "oci-layout:" + layout + ":v1", false);
        assertThat(again.version()).isEqualTo(2);
        assertThat(again.digest()).isEqualTo(r.digest());
        assertThat(list(trees)).hasSize(1);

        client.createSession(new CreateSessionRequest("img-c", null, null, null, null, null, "img@1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> "healthy".equals(client.session("img-c").agent().status()));
        assertThat(client.session("img-c").runtime()).isEqualTo("img@1");

        // a server restart leaves agents running: the new server adopts them, restarting none
        String agentOfB = client.session("img-b").agent().commandId();
        server.close();
        server = TestServer.start(data);
        client = server.client();
        assertThat(part1("img-b").path("count").asInt()).isEqualTo(2);
        SessionInfo b = client.session("img-b");
        assertThat(b.agent().commandId()).isEqualTo(agentOfB);
        assertThat(b.agent().restarts()).isZero();
    }

    @Test
    void anImagePushedToARealRegistryIsPulledDeployedAndServesTwoIsolatedSessions() throws Exception {
        try (TestRegistry registry = TestRegistry.start(Files.createDirectories(work.resolve("registry")), "");
                RegistryUpload upload = new RegistryUpload(registry, null)) {
            AgentImage image = AgentImage.build(work, 0);
            image.pushTo(upload, "team/agent", "1.0");
            RuntimeInfo r = client.deployImage("reg", registry.host() + "/team/agent:1.0", false);
            assertThat(r.digest()).as("the amd64 manifest of the index").isEqualTo(image.amd64Manifest().digest());
            assertThat(r.source()).isEqualTo(registry.host() + "/team/agent:1.0");

            JsonNode a = part1("reg", "reg-a");
            JsonNode b = part1("reg", "reg-b");
            assertThat(a.path("host").asText()).isEqualTo("reg-a");
            assertThat(b.path("host").asText()).isEqualTo("reg-b");
            assertThat(part1("reg", "reg-a").path("count").asInt()).isEqualTo(2);
            assertThat(part1("reg", "reg-b").path("count").asInt()).as("each session its own writes").isEqualTo(2);
            assertThat(b.path("whitedOut").asBoolean()).isTrue();

            // pinned by digest, the same content: no second tree
            RuntimeInfo pinned = client.deployImage("reg", registry.host() + "/team/agent@" + image.index().digest(), false);
            assertThat(pinned.version()).isEqualTo(2);
            assertThat(list(data.resolve("runtimes/rootfs"))).hasSize(1);
        }
        assertThatThrownBy(() -> client.deployImage("reg", "127.0.0.1:1/team/agent:1.0", false))
                .as("a registry that is not there").isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.IMAGE_UNREACHABLE));
    }

    @Test
    void registryLoginsComeFromTheServersDockerConfigAndStayOutOfTheSandbox() throws Exception {
        String secret = "pa55-" + java.util.UUID.randomUUID();
        try (TestRegistry registry = TestRegistry.startWithLogin(Files.createDirectories(work.resolve("registry")), "team",
                secret); RegistryUpload upload = new RegistryUpload(registry, TestRegistry.basic("team", secret))) {
            AgentImage.build(work, 0).pushTo(upload, "team/private", "1");
            String ref = registry.host() + "/team/private:1";
            assertThatThrownBy(() -> client.deployImage("priv", ref, false)).as("no login for it yet")
                    .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.IMAGE_UNAUTHORIZED))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));

            Path config = work.resolve("docker/config.json");
            Files.createDirectories(config.getParent());
            String auth = java.util.Base64.getEncoder().encodeToString(("team:" + secret).getBytes(StandardCharsets.UTF_8));
            Files.writeString(config, "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
            server.close();
            server = TestServer.start(dev.berth.server.config.ServerConfig.defaults(data)
                    .withRuntimes(dev.berth.server.config.RuntimePolicy.DEFAULTS.withRegistryAuth(config)));
            client = server.client();
            RuntimeInfo r = client.deployImage("priv", ref, false);
            assertThat(part1("priv", "priv-a").path("host").asText()).isEqualTo("priv-a");
            assertThat(r.env().toString()).doesNotContain(secret);
            assertThat(client.session("priv-a").env().toString()).doesNotContain(secret);
            try (Stream<Path> files = Stream.concat(Files.walk(data.resolve("runtimes/rootfs")),
                    Files.walk(data.resolve("sessions/priv-a/rootfs")))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(secret);
                }
            }
        }
    }

    @Test
    void aLayerThatIsNotItsDigestIsRefusedAndNothingIsUnpacked() throws Exception {
        AgentImage image = AgentImage.build(work, 0);
        Path layout = image.writeLayout(work.resolve("layout"), "v1");
        AgentImage.Blob layer = image.blobs().getFirst();
        byte[] tampered = layer.bytes().clone();
        tampered[tampered.length / 2] ^= 1;
        Files.write(layout.resolve("blobs/sha256/" + layer.digest().substring(7)), tampered);
        assertThatThrownBy(() -> client.deployImage("bad", "oci-layout:" + layout + ":v1", false))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.IMAGE_DIGEST_MISMATCH));
        assertThat(list(data.resolve("runtimes/rootfs"))).isEmpty();
        assertThat(list(data.resolve("runtimes/staging"))).isEmpty();
        assertThat(client.listRuntimes()).isEmpty();
    }

    @Test
    void anAgentSayingHealthyBusyKeepsItsSessionFromIdleStopAndHealthyLetsItStop() throws Exception {
        server.close();
        server = TestServer.start(dev.berth.server.config.ServerConfig.defaults(data.resolve("idle"))
                .withLifecycle(TestServer.lifecycle(2, 3600, 0, 0))
                .withRuntimes(dev.berth.server.config.RuntimePolicy.DEFAULTS.withPingInterval(Duration.ofMillis(200))));
        client = server.client();
        Path layout = AgentImage.build(work, 0).writeLayout(work.resolve("layout"), "v1");
        client.deployImage("img", "oci-layout:" + layout + ":v1", false);
        client.createSession(new CreateSessionRequest("busy", null, null, null, null, null, "img"));
        Path flag = data.resolve("idle/sessions/busy/workspace/busy"); // the agent's /mnt/workspace/busy
        Files.writeString(flag, "working\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> "busy".equals(client.session("busy").agent().status()));
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> client.session("busy").state() == dev.berth.api.model.SessionState.RUNNING);

        Files.delete(flag);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            SessionInfo s = client.session("busy");
            assertThat(s.state()).isEqualTo(dev.berth.api.model.SessionState.STOPPED);
            assertThat(s.stateReason()).startsWith("idle");
            assertThat(s.agent().status()).isEqualTo("stopped");
        });
    }

    private JsonNode part1(String session) throws IOException {
        return part1("img", session);
    }

    private JsonNode part1(String runtime, String session) throws IOException {
        try (BerthClient.Invocation inv = client.invoke(runtime, session, "{\"hello\":1}".getBytes(StandardCharsets.UTF_8),
                "application/json")) {
            JsonNode first = RuntimeZipTest.event(inv.body());
            assertThat(RuntimeZipTest.event(inv.body()).path("done").asBoolean()).isTrue();
            return first;
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
