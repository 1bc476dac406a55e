package dev.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Plain HTTP stays on loopback unless the operator says otherwise; decided without any lookup. */
class TlsRequirementTest {
    private static final TlsConfig TLS = new TlsConfig(Path.of("/nonexistent/cert.pem"), Path.of("/nonexistent/key.pem"), false);
    private static final TlsConfig INSECURE = new TlsConfig(null, null, true);

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "::1", "localhost", "LocalHost", "::ffff:127.0.0.1"})
    void loopbackMayServePlainHttp(String host) {
        assertThat(TlsRequirement.refusal(host, TlsConfig.NONE)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "192.168.1.5", "berth.example.com", "localhost.example.com", "128.0.0.1"})
    void anyOtherAddressIsRefusedPlainHttpWithTheWayOut(String host) {
        assertThat(TlsRequirement.refusal(host, TlsConfig.NONE)).hasValueSatisfying(why -> assertThat(why)
                .contains(host + ",", "--tls-cert FILE --tls-key FILE", "--insecure")
                .doesNotContain("\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "192.168.1.5", "berth.example.com"})
    void tlsOrAnExplicitInsecureAllowsThem(String host) {
        assertThat(TlsRequirement.refusal(host, TLS)).isEmpty();
        assertThat(TlsRequirement.refusal(host, INSECURE)).isEmpty();
    }

    @Test
    void noHostIsEveryInterface() {
        assertThat(TlsRequirement.refusal(null, TlsConfig.NONE)).hasValueSatisfying(why -> assertThat(why).contains("all interfaces"));
        assertThat(TlsRequirement.refusal(" ", TlsConfig.NONE)).hasValueSatisfying(why -> assertThat(why).contains("all interfaces"));
    }

    @Test
    void certificateAndKeyGoTogether() {
        assertThatThrownBy(() -> new TlsConfig(Path.of("c.pem"), null, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tls-key");
        assertThatThrownBy(() -> new TlsConfig(null, Path.of("k.pem"), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tls-cert");
        assertThat(TLS.enabled()).isTrue();
        assertThat(TlsConfig.NONE.enabled()).isFalse();
    }
}
