package dev.berth.server.audit.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpConfigTest {
    private static final URI ENDPOINT = URI.create("http://127.0.0.1:4318/v1/logs");

    @Test
    void defaultsAreTheDocumentedOnes() {
        OtlpConfig c = OtlpConfig.of(ENDPOINT);
        assertThat(c).isEqualTo(new OtlpConfig(ENDPOINT, Map.of(), 512, Duration.ofSeconds(1), Duration.ofSeconds(30),
                "berth", Duration.ofSeconds(10)));
    }

    @Test
    void nonsenseIsRefusedAtConstruction() {
        assertThatThrownBy(() -> OtlpConfig.of(URI.create("ftp://host/v1/logs"))).hasMessageContaining("http(s)");
        assertThatThrownBy(() -> OtlpConfig.of(URI.create("/v1/logs"))).hasMessageContaining("http(s)");
        assertThatThrownBy(() -> new OtlpConfig(ENDPOINT, Map.of(), 0, Duration.ZERO, Duration.ofSeconds(1), "berth"))
                .hasMessageContaining("batchSize");
        assertThatThrownBy(() -> new OtlpConfig(ENDPOINT, Map.of(), 1, Duration.ZERO, Duration.ZERO, "berth"))
                .hasMessageContaining("maxBackoff");
        assertThatThrownBy(() -> new OtlpConfig(ENDPOINT, Map.of(), 1, Duration.ofSeconds(-1), Duration.ofSeconds(1),
                "berth")).hasMessageContaining("flushInterval");
        assertThatThrownBy(() -> new OtlpConfig(ENDPOINT, Map.of(), 1, Duration.ZERO, Duration.ofSeconds(1), " "))
                .hasMessageContaining("serviceName");
    }
}
