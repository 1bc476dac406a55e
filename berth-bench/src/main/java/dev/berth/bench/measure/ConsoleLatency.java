package dev.berth.bench.measure;

import dev.berth.api.client.BerthClient;
import dev.berth.api.client.TerminalChannel;
import dev.berth.bench.BenchSessions;
import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in Debian's chromium: how soon the sessions page paints (first contentful paint,
 * and the moment the server's list is on it), with a warm and an emptied cache; and keystroke →
 * echo in the browser's terminal next to the CLI's WebSocket client on a terminal of its own, interleaved.
 * Both clocks run where the user would see the echo: in the page (the key event's time to
 * the echo parsed into the terminal, and to the next frame), in the client (sending to reading).
 */
public final class ConsoleLatency implements Measurement {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Installed in the page: the key's event time, and the echo's, from the terminal's probe. */
    private static final String PROBE = """
            window.__echo = []; window.__painted = []; window.__keyToSend = []; window.__sendToEcho = [];
            window.__t0 = 0; window.__sent = 0;
            document.addEventListener('keydown', (e) => { if (e.key === 'w') window.__t0 = e.timeStamp; }, true);
            const send = WebSocket.prototype.send;
            WebSocket.prototype.send = function (data) {
              if (window.__t0 && !window.__sent && typeof data !== 'string') window.__sent = performance.now();
              return send.call(this, data);
            };
            window.berthTerminal.afterWrite = (text) => {
              if (!window.__t0 || !text.includes('w')) return;
              const t0 = window.__t0, sent = window.__sent, now = performance.now();
              window.__t0 = 0; window.__sent = 0;
              window.__echo.push(now - t0);
              window.__keyToSend.push(sent - t0);
              window.__sendToEcho.push(now - sent);
              requestAnimationFrame(() => window.__painted.push(performance.now() - t0));
            };""";

    /**
     * A socket of the page's own on another {@code cat}, typed on by script: the browser's WebSocket
     * without a key event (and the frame it schedules) in the way.
     */
    private static final String RAW_SOCKET = """
            const done = arguments[arguments.length - 1];
            const ws = new WebSocket(`ws://${location.host}/v1/sessions/${arguments[0]}/commands/${arguments[1]}/tty`
              + '?client=bench-raw&offset=999999999');
            ws.binaryType = 'arraybuffer';
            let t0 = 0, answer = null;
            ws.onmessage = (m) => {
              if (answer && m.data instanceof ArrayBuffer) { const a = answer; answer = null; a(performance.now() - t0); }
            };
            window.__raw = (reply) => { answer = reply; t0 = performance.now(); ws.send(new Uint8Array([119])); };
            ws.onopen = () => done(true);""";

    private final BenchSessions sessions;
    private final URI server;
    private final String token;
    private final int warmup;
    private final int runs;

    public ConsoleLatency(BenchSessions sessions, URI server, String token, int warmup, int runs) {
        this.sessions = sessions;
        this.server = server;
        this.token = token;
        this.warmup = warmup;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "console";
    }

    @Override
    public void run(Report report) throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            report.heading(2, "Web console").paragraph("Not measured: needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver).");
            return;
        }
        String id = sessions.create("console");
        Path profile = Files.createTempDirectory("berth-bench-chromium-");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver browser = new ChromeDriver(service, options(profile));
        try {
            signIn(browser);
            firstPaint(browser, report);
            keystrokes(browser, id, report);
        } finally {
            browser.quit();
            service.stop();
            sessions.delete(id);
            deleteTree(profile);
        }
    }

    private void signIn(ChromeDriver browser) {
        browser.get(server.resolve("/login").toString());
        Object status = browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/v1/web/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
                  body: JSON.stringify({token: arguments[0]})}).then((r) => done(r.status), (e) => done(String(e)));""",
                token);
        if (!Long.valueOf(200).equals(status)) {
            throw new IllegalStateException("the console refused the bench's token: " + status);
        }
    }

    private void firstPaint(ChromeDriver browser, Report report) {
        List<double[]> warm = new ArrayList<>();
        List<double[]> cold = new ArrayList<>();
        int n = Math.max(runs / 10, 20);
        for (int i = -Math.min(warmup, 3); i < n; i++) {
            for (boolean emptied : new boolean[] {false, true}) {
                browser.get("about:blank");
                if (emptied) {
                    browser.executeCdpCommand("Network.clearBrowserCache", Map.of());
                }
                browser.get(server.resolve("/").toString());
                double[] t = paintTimes(browser);
                if (i >= 0) {
                    (emptied ? cold : warm).add(t);
                }
            }
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(row("first contentful paint, warm cache", warm, 0));
        rows.add(row("sessions listed (the server's list on the page), warm cache", warm, 1));
        rows.add(row("first contentful paint, emptied cache", cold, 0));
        rows.add(row("sessions listed, emptied cache", cold, 1));
        double p50 = Stats.of(warm.stream().mapToDouble(t -> t[0]).toArray()).p50();
        double coldP50 = Stats.of(cold.stream().mapToDouble(t -> t[0]).toArray()).p50();
        report.heading(2, "Web console: first paint of the sessions page")
                .paragraph(n + " loads of `/` each way, alternating, after a sign-in; times from the navigation's start "
                        + "(the page's own Performance API).")
                .table(List.of("", "p50 ms", "p90 ms", "min ms", "max ms", "runs"), rows)
                .bullets(List.of("target first paint ≤ 300 ms on loopback: **" + (Math.max(p50, coldP50) <= 300 ? "met" : "missed")
                        + "** (warm " + Report.ms(p50) + " ms, emptied cache " + Report.ms(coldP50) + " ms)"));
    }

    /** [first contentful paint, sessions listed] of the page just loaded, in ms from its navigation start. */
    private static double[] paintTimes(ChromeDriver browser) {
        Object r = new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> ((JavascriptExecutor) d).executeScript("""
                const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                const listed = performance.getEntriesByName('berth:sessions-listed')[0];
                return fcp && listed ? [fcp.startTime, listed.startTime] : null;"""));
        List<?> l = (List<?>) r;
        return new double[] {((Number) l.get(0)).doubleValue(), ((Number) l.get(1)).doubleValue()};
    }

    private void keystrokes(ChromeDriver browser, String id, Report report) throws Exception {
        String pageCat = sessions.api().startTty(id, List.of("cat"));
        String cliCat = sessions.api().startTty(id, List.of("cat"));
        browser.get(server.resolve("/sessions/" + id + "?tty=" + pageCat).toString());
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> "connected".equals(
                d.findElement(By.cssSelector("[data-tty-status]")).getText().strip()));
        browser.findElement(By.cssSelector("[aria-label=Terminal]")).click();
        browser.executeScript(PROBE);
        BlockingQueue<Long> echoes = new LinkedBlockingQueue<>();
        try (BerthClient client = new BerthClient(server, token);
                TerminalChannel socket = client.openTerminal(id, cliCat, 0, "bench-console", 0, TtyLatency.echoListener(echoes))) {
            Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
            actions.put("**the console in chromium: key event → echo in the terminal's buffer**", () -> {
                new Actions(browser).sendKeys("w").perform();
                return pageSample(browser, "__echo");
            });
            String rawCat = sessions.api().startTty(id, List.of("cat"));
            browser.executeAsyncScript(RAW_SOCKET, id, rawCat);
            actions.put("the same page, a plain WebSocket of its own, no key event: byte sent → echo's message", () -> {
                Object ms = browser.executeAsyncScript("window.__raw(arguments[arguments.length - 1]);");
                return (long) (((Number) ms).doubleValue() * 1e6);
            });
            actions.put("`berth exec --it`'s WebSocket client: byte sent → echo read", () -> {
                long t0 = System.nanoTime();
                socket.input(new byte[] {'w'});
                return echoes.take() - t0;
            });
            Map<String, long[]> samples = Interleaved.run(warmup, runs, actions);
            long[] painted = pageSamples(browser, "__painted", warmup);
            List<List<String>> rows = new ArrayList<>();
            samples.forEach((k, v) -> rows.add(Report.latencyRow(k, Stats.ofNanosAsMillis(v))));
            rows.add(Report.latencyRow("the console: key event → the next frame after the echo",
                    Stats.ofNanosAsMillis(painted)));
            rows.add(Report.latencyRow("the console, its parts: key event → input frame sent",
                    Stats.ofNanosAsMillis(pageSamples(browser, "__keyToSend", warmup))));
            rows.add(Report.latencyRow("the console, its parts: input frame sent → echo in the buffer",
                    Stats.ofNanosAsMillis(pageSamples(browser, "__sendToEcho", warmup))));
            var it = samples.values().iterator();
            double page = Stats.ofNanosAsMillis(it.next()).p50();
            it.next();
            double cli = Stats.ofNanosAsMillis(it.next()).p50();
            report.heading(2, "Web console: keystroke → echo")
                    .paragraph(runs + " keystrokes each after " + warmup + " warm-up ones, interleaved, each on a `cat` on a "
                            + "terminal of its own in one session. The page's clock starts at the key event chromium "
                            + "dispatched (Selenium's key action) and stops when the echo is written into xterm.js.")
                    .table(Report.LATENCY_HEADER, rows)
                    .bullets(List.of("target: the browser's echo within 5 ms of the CLI's: **" + (page - cli <= 5 ? "met" : "missed")
                            + "** (p50 " + Report.ms(page) + " vs " + Report.ms(cli) + " ms, +" + Report.ms(page - cli) + " ms)"));
        }
    }

    /** Waits for the page's next sample in {@code array} and returns it, in nanoseconds. */
    private static long pageSample(ChromeDriver browser, String array) {
        Object ms = browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const name = arguments[0];
                const want = (window.__taken || 0) + 1;
                const poll = () => window[name].length >= want ? (window.__taken = want, done(window[name][want - 1]))
                  : setTimeout(poll, 1);
                poll();""", array);
        return (long) (((Number) ms).doubleValue() * 1e6);
    }

    @SuppressWarnings("unchecked")
    private static long[] pageSamples(ChromeDriver browser, String array, int skip) {
        List<Number> all = (List<Number>) browser.executeScript("return window[arguments[0]];", array);
        return all.stream().skip(skip).mapToLong(n -> (long) (n.doubleValue() * 1e6)).toArray();
    }

    private static List<String> row(String label, List<double[]> times, int which) {
        return Report.latencyRow(label, Stats.of(times.stream().mapToDouble(t -> t[which]).toArray()));
    }

    private static ChromeOptions options(Path profile) {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        // no traffic of the browser's own: this machine's network is closed, and a bench must not wait on it
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--proxy-server=http://127.0.0.1:9", "--user-data-dir=" + profile, "--window-size=1280,800");
        return o;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
