package dev.berth.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
    @Test
    void defaultsAreTheDocumentedIterationCounts() {
        BenchOptions o = BenchOptions.parse("--server", "http://127.0.0.1:7760/", "--token", "t", "--data", "/d");
        assertThat(o.server()).hasToString("http://127.0.0.1:7760");
        assertThat(o.firstOutputRuns()).isEqualTo(50);
        assertThat(o.roundTripRuns()).isEqualTo(200);
        assertThat(o.throughputBytes()).isEqualTo(1L << 30);
        assertThat(o.ssh()).isEmpty();
        assertThat(BenchOptions.SECTIONS).allMatch(o::runs);
    }

    @Test
    void sshAndSectionsAreOptional() {
        BenchOptions o = BenchOptions.parse("--server", "http://h:1", "--token", "t", "--data", "/d",
                "--ssh-port", "2222", "--ssh-identity", "/k", "--only", "round-trip");
        assertThat(o.ssh()).contains(new SshTarget(2222, "root", Optional.of(Path.of("/k")), Optional.empty()));
        assertThat(o.runs("round-trip")).isTrue();
        assertThat(o.runs("throughput")).isFalse();
    }

    @Test
    void aTypoIsAnErrorNotASilentDefault() {
        assertThatThrownBy(() -> BenchOptions.parse("--server", "http://h:1", "--token", "t", "--data", "/d", "--round-trips", "9"))
                .hasMessageContaining("round-trips");
        assertThatThrownBy(() -> BenchOptions.parse("--server", "http://h:1", "--data", "/d"))
                .hasMessageContaining("--token");
    }
}
