package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web console's files, served by the API's own port (berth-web's bundle on the class path). */
class ConsoleAssetsTest {
    @TempDir
    static Path data;

    static TestServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(data);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String scriptOf(String html) {
        Matcher m = Pattern.compile("src=\"(/assets/app-[A-Z0-9]+\\.js)\"").matcher(html);
        assertThat(m.find()).as(html).isTrue();
        return m.group(1);
    }

    @Test
    void theRootAndEveryPagePathAreTheConsolesPageWithoutSigningIn() throws Exception {
        HttpResponse<byte[]> root = get("/");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(root.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                csp -> assertThat(csp).contains("script-src 'self'").contains("frame-ancestors 'none'"));
        assertThat(root.headers().firstValue("Cache-Control")).hasValue("no-cache");
        String html = new String(root.body(), StandardCharsets.UTF_8);
        assertThat(html).contains("<div id=\"app\">");
        for (String page : new String[] {"/login", "/sessions/demo", "/audit", "/arenas/a-1"}) {
            HttpResponse<byte[]> r = get(page);
            assertThat(r.statusCode()).as(page).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(page).isEqualTo(html);
        }
    }

    @Test
    void hashedAssetsAreImmutableGzippedOnRequestAndRevalidatedByEtag() throws Exception {
        String script = scriptOf(new String(get("/").body(), StandardCharsets.UTF_8));
        HttpResponse<byte[]> plain = get(script);
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(plain.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();

        HttpResponse<byte[]> zipped = get(script, "Accept-Encoding", "gzip");
        assertThat(zipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(zipped.body().length).isLessThan(plain.body().length);
        try (var in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
            assertThat(in.readAllBytes()).isEqualTo(plain.body());
        }

        String etag = plain.headers().firstValue("ETag").orElseThrow();
        HttpResponse<byte[]> again = get(script, "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void missingFilesAreJsonNotFoundAndTheApiStillWantsAToken() throws Exception {
        for (String path : new String[] {"/assets/app-NOPE.js", "/favicon.ico", "/robots.txt"}) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("\"route_not_found\"");
        }
        assertThat(get("/v1/sessions").statusCode()).isEqualTo(401);
        // only reads are the console's: anything else off /v1/ is the API's to refuse
        HttpResponse<String> post = server.send("POST", "/", "{}", "Content-Type", "application/json");
        assertThat(post.statusCode()).isEqualTo(401);
    }
}
