package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.e2e.web.Browser;
import dev.berth.e2e.web.Browser.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptException;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;

/**
 * The web console (docs/web.md) in a real chromium against a real server, reached through a
 * {@link ChaosProxy} so that a test can break the browser's connections. Controls are found by the
 * names the pages promise to keep; every page is screenshot to berth-e2e/target/screenshots.
 */
@Timeout(600)
class WebConsoleTest {
    private static final Duration SANDBOX = Duration.ofSeconds(60); // a first session may wait for its sandbox
    private static final Pattern STTY_SIZE = Pattern.compile("\\d+ \\d+");

    @TempDir
    static Path data;

    static Cli admin;
    static ServerProcess server;
    static ChaosProxy proxy;
    static URI console;
    static String adminToken;

    Browser browser;
    /** Console errors a test provokes on purpose (a cut connection, a refused call); none by default. */
    Predicate<String> expectedErrors = m -> false;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the console's sessions need sandboxes, which need root");
        Browser.assumeAvailable();
        admin = new Cli(data, Map.of());
        server = ServerProcess.start(admin, data);
        admin.assumeSandboxes();
        adminToken = Files.readString(data.resolve("admin.token")).strip();
        proxy = new ChaosProxy(server.url().getPort());
        // 127.0.0.1, as the server names itself: the Origin the browser sends must name the address it asked
        console = URI.create("http://127.0.0.1:" + proxy.port());
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            for (JsonNode s : Json.mapper().readTree(admin.run("session", "ls", "--json").stdout())) {
                admin.run("session", "rm", s.get("id").asText());
            }
            server.close();
        }
    }

    @BeforeEach
    void openBrowser() throws Exception {
        browser = Browser.start(1280, 800);
    }

    @AfterEach
    void noConsoleErrors() {
        if (browser == null) {
            return; // it did not start: that failure is the test's
        }
        try {
            assertThat(browser.consoleErrors()).as("the browser's console").filteredOn(expectedErrors.negate()).isEmpty();
        } finally {
            browser.close();
        }
    }

    @Test
    void aSessionMadeInTheConsoleRunsATerminalThatFollowsTheWindow() throws Exception {
        browser.open(console.resolve("/login"));
        browser.await(Role.FIELD, "Token");
        checkPage("login");
        logIn(adminToken);

        browser.click(Role.BUTTON, "New session");
        browser.fill("Session id", "web-term");
        browser.click(Role.BUTTON, "Create");
        WebElement row = awaitRow("web-term");
        assertThat(row.findElement(By.cssSelector("[data-state]")).getText()).isNotBlank();
        checkPage("sessions");

        row.findElements(By.cssSelector("a")).stream().filter(a -> a.getText().strip().equals("web-term")).findFirst()
                .orElseThrow(() -> new AssertionError("no link named web-term in the session's row")).click();
        await().atMost(Duration.ofSeconds(20)).until(() -> browser.url().getPath(), "/sessions/web-term"::equals);
        WebElement terminal = newTerminal();

        type(terminal, "echo $((6*7))");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(this::terminalLines, lines -> lines.contains("42"));
        type(terminal, "echo web > /mnt/workspace/web-file.txt");
        checkPage("session-terminal");

        String before = sttySize(terminal);
        assertThat(before).matches(STTY_SIZE);
        browser.resize(1600, 1000);
        // the terminal refits when it sees the new size (maybe a little later): ask until the answer changes
        String after = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> sttySize(terminal), now -> !now.equals(before));
        assertThat(after).matches(STTY_SIZE);

        browser.click(Role.TAB, "Files");
        browser.await(Role.TABLE, "Files");
        browser.await(Role.LINK, "Download web-file.txt");
        checkPage("files");
    }

    @Test
    void aCutConnectionLosesNoOutputAndRepeatsNone() throws Exception {
        createSession(admin, "web-chaos");
        browser.resize(1400, 900); // wide: the typed loop must not wrap into a row of its own
        browser.open(console.resolve("/login"));
        logIn(adminToken);
        browser.open(console.resolve("/sessions/web-chaos"));
        WebElement terminal = newTerminal();

        type(terminal, "for i in $(seq 1 400); do echo line-$i; sleep 0.01; done; echo done-counting");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(this::terminalLines, lines -> lines.contains("line-50"));
        expectedErrors = Browser::isNetworkFailure; // the page's requests and socket fail while the proxy is cut
        proxy.cut();
        try {
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(this::ttyStatus, "reconnecting"::equals);
        } finally {
            proxy.restore();
        }
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(this::ttyStatus, "connected"::equals);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(this::terminalLines,
                lines -> lines.contains("done-counting"));

        List<String> lines = terminalLines();
        for (int i = 1; i <= 400; i++) {
            String line = "line-" + i;
            assertThat(lines.stream().filter(line::equals).count()).as("rows that are exactly %s", line).isEqualTo(1);
        }
    }

    @Test
    void aUserSeesOnlyTheirOwnSessions() throws Exception {
        createSession(admin, "admins-own");
        String user = token("uma", "user");
        browser.open(console.resolve("/login"));
        logIn(user);
        assertThat(browser.await(By.cssSelector("[data-whoami]")).getText()).contains("uma");

        browser.click(Role.BUTTON, "New session");
        browser.fill("Session id", "umas-own");
        browser.click(Role.BUTTON, "Create");
        awaitRow("umas-own");
        browser.await(Role.TABLE, "Sessions");
        assertThat(sessionRows()).containsExactly("umas-own");

        browser.click(Role.BUTTON, "Log out");
        browser.await(Role.FIELD, "Token");
        logIn(adminToken);
        awaitRow("umas-own");
        awaitRow("admins-own");
    }

    @Test
    void anAuditorReadsTheAuditTrailButGetsNoTerminal() throws Exception {
        createSession(admin, "audited");
        String cid = startTerminal("audited");
        String auditor = token("audrey", "auditor");
        browser.open(console.resolve("/login"));
        logIn(auditor);
        await().atMost(Duration.ofSeconds(20)).until(() -> browser.url().getPath(), "/audit"::equals);
        WebElement events = browser.await(Role.TABLE, "Audit events");
        await().atMost(Duration.ofSeconds(20)).ignoreException(StaleElementReferenceException.class)
                .until(events::getText, text -> text.contains("session.create") && text.contains("audited"));
        checkPage("audit");

        // the terminal's recording plays in the page
        browser.click(Role.BUTTON, "Replay");
        browser.await(By.cssSelector("[aria-label=Recording] .ap-player"));
        checkPage("audit-replay");

        // an auditor may read a session's log, but may not use it: the page may say so with refused calls
        expectedErrors = m -> m.contains("status of 403") || m.contains("status of 404");
        browser.open(console.resolve("/sessions/audited"));
        browser.await(By.cssSelector("[role=tab], [role=alert]")); // the page has shown what it will show
        browser.find(Role.TAB, "Terminal").ifPresent(WebElement::click);
        assertThat(browser.driver().findElements(Browser.labelled("Terminal"))).as("a terminal on an auditor's page").isEmpty();
        assertThat(browser.has(Role.BUTTON, "New terminal")).isFalse();

        // nor does the API let them in (with the bearer token, as the CLI would)
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI base = server.url();
        HttpResponse<String> open = http.send(HttpRequest.newBuilder(base.resolve("/v1/sessions/audited/commands"))
                .header("Authorization", "Bearer " + auditor).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"argv\":[\"sh\"],\"tty\":{\"rows\":24,\"cols\":80},\"detach\":true}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(open.statusCode()).as(open.body()).isEqualTo(404);
        assertThat(open.body()).contains("session_not_found");
        URI socket = URI.create("ws://" + base.getAuthority() + "/v1/sessions/audited/commands/" + cid + "/tty?client=audrey1");
        Throwable refused = null;
        try {
            http.newWebSocketBuilder().header("Authorization", "Bearer " + auditor)
                    .buildAsync(socket, new WebSocket.Listener() {}).join().abort();
        } catch (CompletionException e) {
            refused = e.getCause();
        }
        assertThat(refused).as("the auditor's terminal socket").isInstanceOf(WebSocketHandshakeException.class);
        assertThat(((WebSocketHandshakeException) refused).getResponse().statusCode()).isEqualTo(404);
    }

    @Test
    void theArenasAndAuditPagesRender() throws Exception {
        browser.open(console.resolve("/login"));
        logIn(adminToken);
        WebElement nav = browser.await(Browser.labelled("Main"));
        nav.findElements(By.cssSelector("a")).stream().filter(a -> a.getText().strip().equals("Arenas")).findFirst()
                .orElseThrow(() -> new AssertionError("no Arenas link in the main navigation")).click();
        browser.await(Role.TABLE, "Arenas");
        assertThat(browser.url().getPath()).isEqualTo("/arenas");
        checkPage("arenas");

        browser.open(console.resolve("/audit"));
        browser.await(Role.TABLE, "Audit events");
        browser.click(Role.BUTTON, "Verify chain");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> browser.driver().findElement(By.cssSelector("[data-verify]")).getAttribute("data-verify"), "ok"::equals);
        assertThat(browser.driver().findElement(By.cssSelector("[data-verify]")).getText()).contains("intact");
        checkPage("audit-admin");
    }

    // --- the steps the tests share ---

    /** A screenshot (non-blank) of the page as it is, and no serious accessibility problem on it. */
    private void checkPage(String name) throws Exception {
        browser.screenshot(name);
        assertThat(browser.accessibilityProblems()).as("accessibility of the " + name + " page").isEmpty();
    }

    private void logIn(String token) {
        browser.fill("Token", token);
        browser.click(Role.BUTTON, "Log in");
        browser.await(By.cssSelector("[data-whoami]"));
    }

    /** The Sessions table's row for {@code id}, once it is there. */
    private WebElement awaitRow(String id) {
        return await().atMost(SANDBOX).ignoreException(StaleElementReferenceException.class).alias("session row " + id)
                .until(() -> browser.driver().findElements(By.cssSelector("tr[data-session=\"" + id + "\"]")).stream()
                        .findFirst().orElse(null), java.util.Objects::nonNull);
    }

    private List<String> sessionRows() {
        return browser.await(Role.TABLE, "Sessions").findElements(By.cssSelector("tr[data-session]")).stream()
                .map(r -> r.getDomAttribute("data-session")).toList();
    }

    /** Terminal tab, New terminal, and the terminal once it says it is connected. */
    private WebElement newTerminal() {
        browser.click(Role.TAB, "Terminal");
        browser.click(Role.BUTTON, "New terminal");
        WebElement terminal = browser.await(Browser.labelled("Terminal"));
        await().atMost(SANDBOX).ignoreException(NoSuchElementException.class).until(this::ttyStatus, "connected"::equals);
        return terminal;
    }

    /** Types a line into the terminal as a user would, Enter included. */
    private void type(WebElement terminal, String line) {
        browser.typeInto(terminal, line, Keys.ENTER);
    }

    /** Runs {@code stty size} and returns its answer ("ROWS COLS"). */
    private String sttySize(WebElement terminal) {
        int answered = sttyAnswers().size();
        type(terminal, "stty size");
        List<String> answers = await().atMost(Duration.ofSeconds(20)).ignoreException(JavascriptException.class)
                .until(this::sttyAnswers, a -> a.size() > answered);
        return answers.getLast();
    }

    private List<String> sttyAnswers() {
        return terminalLines().stream().filter(l -> STTY_SIZE.matcher(l).matches()).toList();
    }

    /** The terminal's whole buffer, one row a line, as the page's own {@code berthTerminal.text()} gives it. */
    private List<String> terminalLines() {
        Object text = browser.script("return window.berthTerminal.text()");
        return ((String) text).lines().map(String::stripTrailing).toList();
    }

    private String ttyStatus() {
        return browser.driver().findElement(By.cssSelector("[data-tty-status]")).getText().strip();
    }

    private static void createSession(Cli cli, String id) throws Exception {
        Cli.Result r = cli.run("session", "create", id);
        assertThat(r.exit()).as(r.stderr()).isZero();
    }

    /** A running terminal command in {@code session}, started by the admin through the API; its id. */
    private static String startTerminal(String session) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.url().resolve("/v1/sessions/" + session + "/commands"))
                .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"argv\":[\"sh\"],\"tty\":{\"rows\":24,\"cols\":80},\"detach\":true}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.mapper().readTree(r.body()).get("id").asText();
    }

    private static String token(String user, String role) throws Exception {
        Cli.Result r = admin.run("token", "create", "--user", user, "--role", role);
        assertThat(r.exit()).as(r.stderr()).isZero();
        return r.stdout().strip();
    }
}
