package dev.berth.e2e.web;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * A headless Debian chromium driven by its own chromedriver, one fresh profile per browser. Pages
 * are found the way a user (and a screen reader) finds them: by role and accessible name, as the
 * console promises in docs/web.md ("Names the pages keep"), computed by chromium itself.
 */
public final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Where screenshots go: berth-e2e/target/screenshots, kept for a human to look at. */
    public static final Path SCREENSHOTS = Path.of(System.getProperty("berth.root", ".."))
            .resolve("berth-e2e/target/screenshots").toAbsolutePath().normalize();
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    /**
     * Quiet: Selenium looks for DevTools bindings of chromium's exact version and warns when it has
     * none; these tests use only WebDriver (and the console log), never DevTools. Held here, as
     * java.util.logging keeps loggers only weakly.
     */
    private static final java.util.logging.Logger CDP_FINDER = quiet("org.openqa.selenium.devtools.CdpVersionFinder");

    /** What a control is, as CSS for the elements that can have that role. */
    public enum Role {
        BUTTON("button, [role=button], input[type=button], input[type=submit]"),
        LINK("a[href], [role=link]"),
        FIELD("input:not([type=hidden]), select, textarea, [role=textbox], [role=combobox]"),
        TAB("[role=tab]"),
        TABLE("table, [role=table], [role=grid]");

        final String css;

        Role(String css) {
            this.css = css;
        }
    }

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Path profile;
    private final List<String> severe = new ArrayList<>();

    private Browser(ChromeDriverService service, ChromeDriver driver, Path profile) {
        this.service = service;
        this.driver = driver;
        this.profile = profile;
    }

    /** Skips the calling test, saying why, when chromium or its driver is not installed (scripts/test-deps installs them as root). */
    public static void assumeAvailable() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                () -> "browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                        + " (apt-get install chromium chromium-driver, as scripts/test-deps does when run as root)");
    }

    /** Starts a browser whose window is {@code width} x {@code height} (the page's viewport is a little smaller). */
    public static Browser start(int width, int height) throws IOException {
        Path profile = Files.createTempDirectory("berth-chromium-");
        Path logs = SCREENSHOTS.resolveSibling("chromedriver");
        Files.createDirectories(logs);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--no-default-browser-check", "--disable-default-apps",
                "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--disable-breakpad",
                // anything not on loopback (which chromium never proxies) goes to a port where nothing listens:
                // a stray request of the browser's own fails here instead of leaving the machine
                "--proxy-server=http://127.0.0.1:9",
                "--user-data-dir=" + profile,
                "--window-size=" + width + "," + height);
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        // the driver is named, so Selenium Manager is never asked to find (or fetch) one
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(logs.resolve(profile.getFileName() + ".log").toFile())
                .build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            return new Browser(service, driver, profile);
        } catch (RuntimeException e) {
            service.stop();
            deleteTree(profile);
            throw e;
        }
    }

    public WebDriver driver() {
        return driver;
    }

    public void open(URI url) {
        driver.get(url.toString());
    }

    public void open(String url) {
        driver.get(url);
    }

    /** The page's address now, e.g. after a redirect of the page's own. */
    public URI url() {
        return URI.create(driver.getCurrentUrl());
    }

    public void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /** The first visible element of {@code role} whose accessible name (as chromium computes it) is exactly {@code name}. */
    public Optional<WebElement> find(Role role, String name) {
        for (WebElement e : driver.findElements(By.cssSelector(role.css))) {
            try {
                if (e.isDisplayed() && name.equals(e.getAccessibleName().strip())) {
                    return Optional.of(e);
                }
            } catch (StaleElementReferenceException gone) {
                // the page re-rendered under us: the next element, or the caller's next try
            }
        }
        return Optional.empty();
    }

    public boolean has(Role role, String name) {
        return find(role, name).isPresent();
    }

    /** Waits for the element {@link #find} finds. */
    public WebElement await(Role role, String name) {
        return org.awaitility.Awaitility.await().atMost(PATIENCE).ignoreException(StaleElementReferenceException.class)
                .alias(role + " named '" + name + "'")
                .until(() -> find(role, name).orElse(null), Objects::nonNull);
    }

    /** Waits for a visible element that {@code by} finds. */
    public WebElement await(By by) {
        return org.awaitility.Awaitility.await().atMost(PATIENCE).ignoreException(StaleElementReferenceException.class)
                .alias(by.toString())
                .until(() -> driver.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null),
                        Objects::nonNull);
    }

    public void click(Role role, String name) {
        await(role, name).click();
    }

    /** Replaces what the field labelled {@code label} holds with {@code text}. */
    public void fill(String label, CharSequence text) {
        WebElement field = await(Role.FIELD, label);
        field.clear();
        field.sendKeys(text);
    }

    /** Clicks {@code target} (to focus it) and types {@code keys} as a user would, key by key. */
    public void typeInto(WebElement target, CharSequence... keys) {
        target.click();
        new Actions(driver).sendKeys(keys).perform();
    }

    /** An element by its {@code aria-label}, whatever its role (e.g. the terminal, the chart). */
    public static By labelled(String label) {
        return By.cssSelector("[aria-label=\"" + label.replace("\"", "\\\"") + "\"]");
    }

    /**
     * Saves the viewport as SCREENSHOTS/NAME.png and fails when it is blank: a page that rendered
     * has text and edges, hence more than a handful of distinct colours.
     */
    public Path screenshot(String name) throws IOException {
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.write(file, png);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        if (image == null) {
            throw new AssertionError(file + " is not a PNG");
        }
        int colours = distinctColours(image, 64);
        if (colours < 8) {
            throw new AssertionError(file + " looks blank: " + colours + " distinct colour(s) in "
                    + image.getWidth() + "x" + image.getHeight());
        }
        return file;
    }

    /** axe-core, the accessibility rules engine, from the console's own npm packages (a dev dependency). */
    private static final Path AXE = Path.of(System.getProperty("berth.root", ".."))
            .resolve("berth-web/node_modules/axe-core/axe.min.js").toAbsolutePath().normalize();

    /**
     * What axe-core finds on the page as it is now against WCAG 2.1 A and AA (labels, names, roles,
     * contrast, keyboard focusability), serious and critical only: one line a rule, with where.
     */
    @SuppressWarnings("unchecked")
    public List<String> accessibilityProblems() throws IOException {
        if (Boolean.FALSE.equals(driver.executeScript("return typeof window.axe === 'object';"))) {
            driver.executeScript(Files.readString(AXE)); // by WebDriver, so the page's CSP does not apply
        }
        Object r = driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                  .then((res) => done(res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
                    .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                      + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '))),
                    (e) => done(['axe failed: ' + e]));""");
        return (List<String>) r;
    }

    /** How many distinct RGB colours the image has, counting no further than {@code enough}. */
    static int distinctColours(BufferedImage image, int enough) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if (seen.add(image.getRGB(x, y) & 0xFFFFFF) && seen.size() >= enough) {
                    return seen.size();
                }
            }
        }
        return seen.size();
    }

    /**
     * The SEVERE entries of the browser's console since it started: {@code console.error}, uncaught
     * exceptions, and the browser's own lines for failed loads (see {@link #isNetworkFailure}).
     */
    public synchronized List<String> consoleErrors() {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) { // each call returns only entries new since the last
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                severe.add(e.getMessage());
            }
        }
        return List.copyOf(severe);
    }

    /** Whether a console line is the browser reporting a request or a socket that failed, rather than the page's own error. */
    public static boolean isNetworkFailure(String message) {
        return message.contains("Failed to load resource") || message.contains("net::ERR_")
                || message.matches("(?s).*WebSocket connection to .* failed.*");
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteTree(profile);
        }
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(Level.SEVERE);
        return logger;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // a profile left in /tmp is untidy, not wrong
        }
    }
}
