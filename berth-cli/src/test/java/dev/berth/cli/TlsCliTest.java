package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.cli.connect.LocalServer;
import dev.berth.server.BerthServer;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.config.TlsConfig;
import dev.berth.server.tls.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against a server on https: it trusts what --tls-ca names or what the local server
 * serves, and a server it cannot trust is one line on stderr that says what to do, not a trace.
 */
@Timeout(120)
class TlsCliTest {
    @TempDir
    static Path dir;

    static TestCertificates certs;
    static Path chain;
    static Path key;
    static BerthServer server;
    static String url;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.newCa(dir.resolve("pki"));
        key = certs.key("server", "ec");
        chain = certs.chain("server", key, TestCertificates.LOCAL_NAMES);
        server = BerthServer.start(ServerConfig.defaults(dir.resolve("data")).withListen("127.0.0.1", 0)
                .withTls(new TlsConfig(chain, key, false)));
        url = server.uri().toString();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    record Result(int status, String out, String err) {}

    /** {@code berth ARGS} in this JVM, its output captured. */
    private static synchronized Result berth(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int status = Main.run(args);
            return new Result(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void theCaGivenWithTlsCaIsTrusted() {
        Result r = berth("--home", dir.resolve("data").toString(), "--server", url, "--tls-ca", certs.ca().toString(), "status");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("at " + url + "/: ok");
        assertThat(r.status()).isZero();
    }

    @Test
    void withoutItTheRefusalIsOneLineSayingWhatToDo() {
        Result r = berth("--home", dir.resolve("data").toString(), "--server", url, "status");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("berth: TLS with " + url + " failed: its certificate is not issued by a CA this client"
                + " trusts (trust its CA with --tls-ca FILE or BERTH_TLS_CA)" + System.lineSeparator());
    }

    @Test
    void theLocalServersOwnCertificateIsTrustedThroughServerJson() throws Exception {
        Path home = dir.resolve("home");
        java.nio.file.Files.createDirectories(home);
        java.nio.file.Files.copy(dir.resolve("data/admin.token"), home.resolve("admin.token"));
        LocalServer.write(home, new LocalServer.Info(url, ProcessHandle.current().pid(), chain.toString()));
        Result r = berth("--home", home.toString(), "status");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("at " + url + "/: ok");
    }

    @Test
    void aCaFileThatIsMissingIsNamed() {
        Path missing = dir.resolve("no-such-ca.pem");
        Result r = berth("--home", dir.resolve("data").toString(), "--server", url, "--tls-ca", missing.toString(), "status");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("berth: --tls-ca " + missing + ": no such file" + System.lineSeparator());
    }

    @Test
    void serveAndUpRefusePlainHttpBeyondLoopbackBeforeBinding() {
        Path home = dir.resolve("exposed");
        // a documentation address (RFC 5737), never this machine's: without the check, binding would fail as well
        for (String command : new String[] {"serve", "up"}) {
            Result r = berth("--home", home.toString(), command, "--listen", "192.0.2.1:7760");
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).startsWith("berth: refusing plain HTTP on 192.0.2.1,").contains("--tls-cert FILE --tls-key FILE", "--insecure")
                    .hasLineCount(1);
        }
        assertThat(home).doesNotExist(); // `up` started no server (and `serve` made no data directory)
    }

    @Test
    void upRefusesAKeyThatIsNotTheCertificatesWithoutStartingAServer() throws Exception {
        Path stranger = certs.key("stranger", "ec");
        Path home = dir.resolve("mismatch");
        Result r = berth("--home", home.toString(), "up", "--tls-cert", chain.toString(), "--tls-key", stranger.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("berth: --tls-key " + stranger + " does not belong to the certificate in " + chain
                + " (its first certificate must be the server's own, for this key)" + System.lineSeparator());
        assertThat(home).doesNotExist();
    }
}
