package dev.berth.server.identity.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a configuration may say, and the defaults when it says nothing. */
class OidcConfigTest {
    private static final URI ISSUER = URI.create("https://idp.example.com/realms/berth");

    @Test
    void defaults() {
        OidcConfig c = OidcConfig.of(ISSUER, "berth-api");
        assertThat(c.userClaim()).isEqualTo("sub");
        assertThat(c.groupsClaim()).isEqualTo("groups");
        assertThat(c.maxClockSkew()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.roleMapping()).isEmpty();
        assertThat(c.cachedTokens()).isEqualTo(10_000);
    }

    @Test
    void theSkewIsBounded() {
        assertThat(OidcConfig.of(ISSUER, "a").withMaxClockSkew(Duration.ofMinutes(5)).maxClockSkew()).hasMinutes(5);
        assertThatThrownBy(() -> OidcConfig.of(ISSUER, "a").withMaxClockSkew(Duration.ofMinutes(6)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 0 and 300 s");
        assertThatThrownBy(() -> OidcConfig.of(ISSUER, "a").withMaxClockSkew(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rolesMustBeBerthRoles() {
        assertThat(OidcConfig.of(ISSUER, "a").withRoleMapping(Map.of("g", "auditor")).roleMapping()).containsEntry("g", "auditor");
        assertThatThrownBy(() -> OidcConfig.of(ISSUER, "a").withRoleMapping(Map.of("g", "root")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown role 'root'");
    }

    @Test
    void anAudienceIsRequired() {
        assertThatThrownBy(() -> OidcConfig.of(ISSUER, " ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void plainHttpOnlyOnLoopback() {
        assertThat(OidcConfig.of(URI.create("http://127.0.0.1:8080/realm"), "a").issuer().getPort()).isEqualTo(8080);
        assertThat(OidcConfig.of(URI.create("http://localhost/realm"), "a").issuer().getHost()).isEqualTo("localhost");
        assertThatThrownBy(() -> OidcConfig.of(URI.create("http://idp.example.com/realm"), "a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
        assertThatThrownBy(() -> OidcConfig.of(URI.create("file:///etc/jwks"), "a")).isInstanceOf(IllegalArgumentException.class);
    }
}
