package dev.berth.cli.login;

import static dev.berth.server.testing.OidcProvider.ISSUER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.berth.cli.Main;
import dev.berth.server.identity.oidc.OidcConfig;
import dev.berth.server.identity.oidc.OidcVerifier;
import dev.berth.server.identity.oidc.VerifiedToken;
import dev.berth.server.testing.OidcProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code berth login --oidc} against a real provider: the test plays the browser, fetching the
 * printed URL and following the provider's redirect to the CLI's loopback listener.
 */
class OidcLoginTest {
    private static final Pattern URL = Pattern.compile("Open this URL to log in: (\\S+)");

    @TempDir
    static Path dir;

    static OidcProvider provider;
    static HttpClient browser;
    private final CredentialStore store = CredentialStore.standard();

    @BeforeAll
    static void start() throws Exception {
        provider = OidcProvider.start(dir);
        browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (provider != null) {
            provider.close();
        }
    }

    @BeforeEach
    void noLogin() throws Exception {
        assertThat(store.file()).as("the tests' own credentials file (surefire sets BERTH_CREDENTIALS)")
                .satisfies(f -> assertThat(f.toString()).contains("target"));
        store.delete();
    }

    /** A {@code berth} call on its own thread, its stdout and stderr captured. */
    private record Run(CompletableFuture<Integer> exit, StringWriter out, StringWriter err) {
        static Run of(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = Main.commandLine(new Main(), args);
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            return new Run(CompletableFuture.supplyAsync(() -> cli.execute(args)), out, err);
        }

        URI loginUrl() {
            Matcher m = URL.matcher("");
            await().atMost(Duration.ofSeconds(30)).until(() -> m.reset(err.toString()).find() || exit.isDone());
            assertThat(m.reset(err.toString()).find()).as("stderr: %s", err).isTrue();
            return URI.create(m.group(1));
        }

        int exitCode() throws Exception {
            return exit.get(60, TimeUnit.SECONDS);
        }
    }

    private static Run login(String... more) {
        String[] base = {"login", "--oidc", "--issuer", provider.issuer(ISSUER).toString(), "--client-id", "berth-cli"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return Run.of(args);
    }

    @Test
    void aBrowserLoginStoresTokensTheServerAccepts() throws Exception {
        Run run = login("--audience", OidcProvider.LOGIN_AUDIENCE);
        URI url = run.loginUrl();
        assertThat(url.getRawQuery()).contains("code_challenge_method=S256", "response_type=code", "client_id=berth-cli",
                "audience=" + OidcProvider.LOGIN_AUDIENCE, "redirect_uri=http%3A%2F%2F127.0.0.1%3A");

        HttpResponse<String> page = browser.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.uri().getHost()).as("the browser ended at the CLI's listener").isEqualTo("127.0.0.1");
        assertThat(page.body()).contains("Logged in to Berth", "close this tab");
        assertThat(run.exitCode()).as("stderr: %s", run.err()).isZero();
        assertThat(run.out().toString()).contains("Logged in at " + provider.issuer(ISSUER));

        Path file = store.file();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Credentials stored = store.load().orElseThrow();
        assertThat(stored.issuer()).isEqualTo(provider.issuer(ISSUER).toString());
        assertThat(stored.clientId()).isEqualTo("berth-cli");
        assertThat(stored.tokenEndpoint()).isEqualTo(provider.tokenEndpoint(ISSUER));
        assertThat(stored.refreshToken()).isNotBlank();
        assertThat(stored.expiresAt()).isAfter(Instant.now());
        JWTClaimsSet claims = SignedJWT.parse(stored.accessToken()).getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(provider.issuer(ISSUER).toString());
        assertThat(claims.getAudience()).contains(OidcProvider.LOGIN_AUDIENCE);

        // and the server side agrees
        try (OidcVerifier verifier = new OidcVerifier(OidcConfig.of(provider.issuer(ISSUER), OidcProvider.LOGIN_AUDIENCE))) {
            VerifiedToken v = verifier.verify(stored.accessToken());
            assertThat(v.user()).isEqualTo(OidcProvider.LOGIN_USER);
            assertThat(v.groups()).isEqualTo(OidcProvider.LOGIN_GROUPS);
        }

        assertThat(Run.of("logout").exitCode()).isZero();
        assertThat(file).doesNotExist();
        assertThat(store.load()).isEmpty();
    }

    @Test
    void aRedirectWithAnotherStateIsRefused() throws Exception {
        Run run = login();
        URI url = run.loginUrl();
        String redirect = java.net.URLDecoder.decode(url.getRawQuery().replaceAll(".*redirect_uri=([^&]*).*", "$1"),
                java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(redirect + "?code=stolen&state=forged")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).contains("does not belong to the login");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().toString()).contains("state does not match");
        assertThat(store.file()).doesNotExist();
    }

    @Test
    void aLoginNobodyFinishesTimesOut() throws Exception {
        Run run = login("--timeout", "1s");
        run.loginUrl();
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().toString()).contains("no login within 1 s");
        assertThat(store.file()).doesNotExist();
    }
}
