package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.SessionState;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/sessions/{id}/files}: listing and downloading from a session's workspace, and
 * never, whatever links the sandbox made, anything of the host's.
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionFilesTest {
    private static final String ID = "files";

    @TempDir
    static Path data;

    TestServer server;
    BerthClient client;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(data);
        server.assumeSandboxes();
        client = server.client();
        client.createSession(CreateSessionRequest.of(ID, null, null));
        run("cd /mnt/workspace && mkdir -p src/deep && printf hello > src/a.txt && printf x > 'b \"q\".txt'"
                + " && head -c 1000000 /dev/urandom > big.bin && ln -s /etc/passwd passwd"
                + " && ln -s ../../../../../etc/passwd src/up && ln -s /proc/self/root/etc/passwd magic && mkfifo pipe");
    }

    @AfterAll
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.removeSessionsAndClose();
        }
        http.close();
    }

    private void run(String script) throws Exception {
        var done = CommandsApiTest.collect(client.runCommand(ID, CommandRequest.shell(script)));
        assertThat(done.exit().status().code()).as(done.stderr()).isZero();
    }

    private HttpResponse<byte[]> get(String path) throws Exception {
        String query = path == null ? "" : "?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(server.uri("/v1/sessions/" + ID + "/files" + query))
                .header("Authorization", "Bearer " + server.token).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }

    private static String code(HttpResponse<byte[]> r) throws Exception {
        return json(r).path("error").path("code").asText();
    }

    @Test
    void aDirectoryIsListedDirectoriesFirst() throws Exception {
        HttpResponse<byte[]> r = get(null);
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode listing = json(r);
        assertThat(listing.path("path").asText()).isEqualTo("/mnt/workspace");
        List<String> names = listing.path("entries").valueStream().map(e -> e.path("name").asText()).toList();
        List<String> types = listing.path("entries").valueStream().map(e -> e.path("type").asText()).toList();
        assertThat(names).contains("src", "big.bin", "passwd", "magic", "pipe", "b \"q\".txt");
        assertThat(types.subList(0, types.lastIndexOf("dir") + 1)).containsOnly("dir"); // directories first
        assertThat(entry(listing, "passwd").path("type").asText()).isEqualTo("link");
        assertThat(entry(listing, "pipe").path("type").asText()).isEqualTo("other");
        assertThat(entry(listing, "big.bin").path("size").asLong()).isEqualTo(1_000_000);
        assertThat(entry(listing, "big.bin").path("modifiedAt").asText()).isNotEmpty();

        JsonNode src = json(get("/mnt/workspace/./src/deep/.."));
        assertThat(src.path("path").asText()).isEqualTo("/mnt/workspace/src");
        assertThat(src.path("entries").valueStream().map(e -> e.path("name").asText()).toList())
                .containsExactly("deep", "a.txt", "up");
    }

    @Test
    void aFileIsDownloadedAsItIs() throws Exception {
        HttpResponse<byte[]> r = get("/mnt/workspace/big.bin");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(r.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"big.bin\"");
        Path onHost = data.resolve("sessions").resolve(ID).resolve("workspace").resolve("big.bin");
        assertThat(r.body()).isEqualTo(Files.readAllBytes(onHost));
        HttpResponse<byte[]> quoted = get("/mnt/workspace/b \"q\".txt");
        assertThat(quoted.body()).asString().isEqualTo("x");
        assertThat(quoted.headers().firstValue("Content-Disposition"))
                .hasValue("attachment; filename=\"b _q_.txt\"; filename*=UTF-8''b%20%22q%22.txt");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Json.mapper().readTree(
                server.send("GET", "/v1/audit?action=file.", null).body())).anySatisfy(e -> {
                    assertThat(e.path("action").asText()).isEqualTo("file.read");
                    assertThat(e.path("resource").asText()).isEqualTo("file/mnt/workspace/big.bin");
                    assertThat(e.path("session").asText()).isEqualTo(ID);
                }));
    }

    @Test
    void nothingOutsideTheWorkspaceIsReachable() throws Exception {
        for (String path : List.of("/mnt/workspace/../../etc", "/etc/passwd", "relative/path", "/mnt/workspacex")) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(code(r)).as(path).isEqualTo("invalid_field");
        }
        String hostPasswd = Files.readString(Path.of("/etc/passwd"));
        for (String link : List.of("/mnt/workspace/passwd", "/mnt/workspace/src/up", "/mnt/workspace/magic")) {
            HttpResponse<byte[]> r = get(link);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(link).doesNotContain(hostPasswd);
            assertThat(r.statusCode()).as(link).isEqualTo(404);
            assertThat(code(r)).as(link).isEqualTo("file_not_found");
        }
        HttpResponse<byte[]> missing = get("/mnt/workspace/no/such/file");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(code(missing)).isEqualTo("file_not_found");
        assertThat(code(get("/mnt/workspace/pipe"))).isEqualTo("invalid_field"); // never opened: a reader would hang
    }

    @Test
    void linksAreFollowedWithTheWorkspaceAsRoot() throws Exception {
        run("mkdir -p /mnt/workspace/etc && printf inside > /mnt/workspace/etc/passwd");
        try {
            // as in a chroot at the workspace: /etc/passwd is the workspace's, and ../.. cannot climb out
            assertThat(get("/mnt/workspace/passwd").body()).asString().isEqualTo("inside");
            assertThat(get("/mnt/workspace/src/up").body()).asString().isEqualTo("inside");
        } finally {
            run("rm -r /mnt/workspace/etc");
        }
    }

    @Test
    void aStoppedSessionIsResumedToBeRead() throws Exception {
        client.stopSession(ID);
        HttpResponse<byte[]> r = get("/mnt/workspace/src/a.txt");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).asString().isEqualTo("hello");
        assertThat(client.session(ID).state()).isEqualTo(SessionState.RUNNING);
    }

    private static JsonNode entry(JsonNode listing, String name) {
        return listing.path("entries").valueStream().filter(e -> e.path("name").asText().equals(name)).findFirst()
                .orElseThrow();
    }
}
