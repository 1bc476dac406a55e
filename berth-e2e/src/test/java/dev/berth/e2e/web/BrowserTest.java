package dev.berth.e2e.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.berth.e2e.web.Browser.Role;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;

/** The browser fixture itself, against small pages served from this JVM. */
@Timeout(120)
class BrowserTest {
    private static final String HEAD = "<!doctype html><html><head><meta charset=utf-8><title>fixture</title>"
            // no icon to fetch: else chromium asks for /favicon.ico, and its 404 is a console error
            + "<link rel=icon href=\"data:,\">"
            + "<style>body{font:16px sans-serif;background:#f4f1ea;color:#222;margin:2em}"
            + "button{background:#2b6cb0;color:#fff;border:0;padding:.4em 1em}</style></head><body>";
    private static final Map<String, String> PAGES = Map.of(
            "/", HEAD + """
                    <nav aria-label="Main"><a href="/blank">Blank page</a></nav>
                    <label>Name <input id=n></label>
                    <label for=c>Count</label><input id=c>
                    <button id=go>Greet</button> <button aria-label="Stop demo">&#9632;</button>
                    <button style="display:none">Hidden</button>
                    <p data-out>nobody yet</p><p data-size></p>
                    <div role=tablist><span role=tab tabindex=0>Files</span></div>
                    <table aria-label="Things"><tr><th>thing</th></tr><tr><td>one</td></tr></table>
                    <div aria-label="Pad" tabindex=0 style="border:1px solid #999;height:2em"></div><p data-typed></p>
                    <script>
                    const typed = document.querySelector('[data-typed]');
                    document.querySelector('[aria-label=Pad]').addEventListener('keydown', e =>
                      typed.textContent += e.key === 'Enter' ? '<enter>' : e.key.length === 1 ? e.key : '');
                    document.getElementById('go').onclick = () =>
                      document.querySelector('[data-out]').textContent = 'hello ' + document.getElementById('n').value;
                    const size = () => document.querySelector('[data-size]').textContent = innerWidth + 'x' + innerHeight;
                    size(); addEventListener('resize', size);
                    </script></body></html>""",
            "/blank", "<!doctype html><html><head><title>blank</title><link rel=icon href=\"data:,\"></head><body style=\"background:#fff\"></body></html>",
            "/broken", HEAD + """
                    <p>broken on purpose</p>
                    <script>console.error('deliberate failure'); console.log('only a log line');</script>
                    <script>null.boom();</script></body></html>""");

    static HttpServer http;
    static URI base;

    @BeforeAll
    static void serve() throws Exception {
        Browser.assumeAvailable();
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            String page = PAGES.get(path);
            byte[] body = (page == null ? "not here" : page).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", page == null ? "text/plain" : "text/html; charset=utf-8");
            ex.sendResponseHeaders(page == null ? 404 : 200, body.length);
            try (var out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        base = URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.stop(0);
        }
    }

    @Test
    void findsControlsByTheirAccessibleNamesAndSeesAClickChangeThePage() throws Exception {
        try (Browser b = Browser.start(1024, 700)) {
            b.open(base.resolve("/"));
            b.fill("Name", "ada");
            b.fill("Count", "3");
            b.click(Role.BUTTON, "Greet");
            await().atMost(Duration.ofSeconds(10)).until(() -> b.driver().findElement(By.cssSelector("[data-out]")).getText(),
                    "hello ada"::equals);
            assertThat(b.has(Role.BUTTON, "Stop demo")).as("an aria-label names a button").isTrue();
            assertThat(b.has(Role.LINK, "Blank page")).isTrue();
            assertThat(b.await(Role.FIELD, "Count").getDomProperty("value")).isEqualTo("3");
            assertThat(b.has(Role.BUTTON, "Hidden")).as("a hidden button is not there for a user").isFalse();
            assertThat(b.has(Role.BUTTON, "Gree")).as("names match whole").isFalse();
            assertThat(b.driver().findElements(Browser.labelled("Main"))).hasSize(1);
            assertThat(b.has(Role.TAB, "Files")).isTrue();
            assertThat(b.await(Role.TABLE, "Things").getText()).contains("one");

            b.typeInto(b.await(Browser.labelled("Pad")), "echo $((6*7))", Keys.ENTER);
            await().atMost(Duration.ofSeconds(10)).until(() -> b.driver().findElement(By.cssSelector("[data-typed]")).getText(),
                    "echo $((6*7))<enter>"::equals);

            assertThat(Files.size(b.screenshot("fixture-page"))).isPositive();
            assertThat(b.consoleErrors()).isEmpty();
        }
    }

    @Test
    void aBlankPageFailsItsScreenshot() throws Exception {
        try (Browser b = Browser.start(800, 600)) {
            b.open(base.resolve("/blank"));
            assertThatThrownBy(() -> b.screenshot("fixture-blank")).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("looks blank");
            assertThat(Browser.SCREENSHOTS.resolve("fixture-blank.png")).exists();
        }
    }

    @Test
    void consoleErrorsAndUncaughtExceptionsAreCaptured() throws Exception {
        try (Browser b = Browser.start(800, 600)) {
            b.open(base.resolve("/broken"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(b.consoleErrors())
                    .anyMatch(m -> m.contains("deliberate failure"))
                    .anyMatch(m -> m.contains("Uncaught TypeError")));
            List<String> errors = b.consoleErrors();
            assertThat(errors).as("entries accumulate across calls").anyMatch(m -> m.contains("deliberate failure"));
            assertThat(errors).noneMatch(m -> m.contains("only a log line"));
            assertThat(errors).noneMatch(Browser::isNetworkFailure);

            b.open(base.resolve("/missing"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(b.consoleErrors())
                    .anyMatch(Browser::isNetworkFailure));
        }
    }

    @Test
    void resizingTheWindowResizesTheViewport() throws Exception {
        try (Browser b = Browser.start(800, 600)) {
            b.open(base.resolve("/"));
            String before = b.await(By.cssSelector("[data-size]")).getText();
            b.resize(1300, 900);
            await().atMost(Duration.ofSeconds(10)).until(() -> b.driver().findElement(By.cssSelector("[data-size]")).getText(),
                    now -> !now.equals(before));
            long width = (Long) b.script("return window.innerWidth");
            assertThat(width).isGreaterThan(800);
        }
    }
}
