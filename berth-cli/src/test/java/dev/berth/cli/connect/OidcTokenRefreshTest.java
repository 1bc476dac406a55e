package dev.berth.cli.connect;

import static dev.berth.server.testing.OidcProvider.ISSUER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import dev.berth.cli.login.CredentialStore;
import dev.berth.cli.login.Credentials;
import dev.berth.server.testing.OidcProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which token a CLI call sends when a login is stored, and how a stale one is refreshed first. */
class OidcTokenRefreshTest {
    @TempDir
    static Path dir;

    @TempDir
    Path data;

    static OidcProvider provider;
    private final CredentialStore store = CredentialStore.standard();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(System.getenv("BERTH_TOKEN") == null, "BERTH_TOKEN is set: it would win over any stored login");
        provider = OidcProvider.start(dir);
    }

    @AfterAll
    static void stop() {
        if (provider != null) {
            provider.close();
        }
    }

    @BeforeEach
    void noLogin() throws Exception {
        assertThat(store.file().toString()).as("surefire's BERTH_CREDENTIALS").contains("target");
        store.delete();
    }

    private ConnectionOptions options() throws Exception {
        ConnectionOptions o = new ConnectionOptions();
        o.data = data;
        Files.writeString(data.resolve("admin.token"), "berth_admin\n");
        return o;
    }

    /** A stored login whose access token is {@code access}, expiring at {@code expiresAt}, with a real refresh token. */
    private Credentials stored(String access, Instant expiresAt) throws Exception {
        JsonNode tokens = provider.loginTokens(ISSUER, "berth-cli");
        return new Credentials(provider.issuer(ISSUER).toString(), "berth-cli", provider.tokenEndpoint(ISSUER), access,
                tokens.get("refresh_token").asText(), expiresAt, null, null);
    }

    @Test
    void anExpiredAccessTokenIsRefreshedAndTheNewTokensAreStored() throws Exception {
        store.save(stored("stale-access-token", Instant.now().minusSeconds(60)));
        String sent = options().token();
        assertThat(sent).isNotEqualTo("stale-access-token");
        assertThat(SignedJWT.parse(sent).getJWTClaimsSet().getIssuer()).isEqualTo(provider.issuer(ISSUER).toString());

        Credentials after = store.load().orElseThrow();
        assertThat(after.accessToken()).isEqualTo(sent);
        assertThat(after.expiresAt()).isAfter(Instant.now().plusSeconds(60));
        assertThat(after.refreshToken()).isNotBlank();
        assertThat(Files.getPosixFilePermissions(store.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(options().token()).as("fresh now: sent as stored").isEqualTo(sent);
    }

    @Test
    void aTokenExpiringWithinThirtySecondsIsRefreshedToo() throws Exception {
        store.save(stored("nearly-expired", Instant.now().plusSeconds(20)));
        assertThat(options().token()).isNotEqualTo("nearly-expired");
    }

    @Test
    void aCurrentTokenIsSentWithoutARefresh() throws Exception {
        Credentials current = stored("current-access-token", Instant.now().plusSeconds(600));
        store.save(current);
        assertThat(options().token()).isEqualTo("current-access-token");
        assertThat(store.load()).contains(current);
    }

    @Test
    void theTokenFlagStillWinsAndWithoutALoginTheAdminTokenIsUsed() throws Exception {
        ConnectionOptions o = options();
        assertThat(o.token()).isEqualTo("berth_admin");
        store.save(stored("current-access-token", Instant.now().plusSeconds(600)));
        assertThat(o.token()).isEqualTo("current-access-token");
        o.token = "explicit";
        assertThat(o.token()).isEqualTo("explicit");
    }

    @Test
    void aLoginIsSentOnlyToTheServerItWasMadeFor() throws Exception {
        ConnectionOptions o = options();
        o.server = "http://127.0.0.1:7760";
        store.save(stored("for-the-local-one", Instant.now().plusSeconds(600)).withServer(o.serverUri().toString()));
        assertThat(o.token()).isEqualTo("for-the-local-one");
        store.save(stored("for-another-one", Instant.now().plusSeconds(600)).withServer("https://berth.example.com:7760/"));
        assertThat(o.token()).as("another server's login stays home").isEqualTo("berth_admin");
        assertThat(store.load().orElseThrow().accessToken()).isEqualTo("for-another-one");
    }

    @Test
    void aLoginThatCannotBeRefreshedFallsBackToTheAdminToken() throws Exception {
        // no refresh token, and a token endpoint nobody listens on (port 9: discard, not served here)
        for (Credentials stale : java.util.List.of(
                new Credentials(provider.issuer(ISSUER).toString(), "berth-cli", provider.tokenEndpoint(ISSUER), "stale", null,
                        Instant.now().minusSeconds(60), null, null),
                new Credentials(provider.issuer(ISSUER).toString(), "berth-cli", java.net.URI.create("http://127.0.0.1:9/token"),
                        "stale", "rt", Instant.now().minusSeconds(60), null, null))) {
            store.save(stale);
            assertThat(options().token()).isEqualTo("berth_admin");
            assertThat(store.load()).as("a failed refresh leaves the login as it was").contains(stale);
        }
    }
}
