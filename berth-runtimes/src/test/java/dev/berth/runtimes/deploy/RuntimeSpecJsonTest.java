package dev.berth.runtimes.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.runtimes.harness.HarnessSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Specs are stored as JSON: those stored before a field existed must still read, and new ones round-trip. */
class RuntimeSpecJsonTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aSpecStoredBeforeHarnessesReadsWithNoHarness() throws Exception {
        String old = """
                {"kind":"zip","source":"a.zip (node)","digest":"sha256:ab","rootfs":"zip-1","hostSystem":true,
                 "argv":["node","/app/index.js"],"env":{"PORT":"8080"},"workingDir":"/app","port":8080,
                 "unpackedBytes":12,"user":null}""";
        RuntimeSpec s = json.readValue(old, RuntimeSpec.class);
        assertThat(s.harness()).isNull();
        assertThat(s.argv()).containsExactly("node", "/app/index.js");
    }

    @Test
    void aHarnessRoundTrips() throws Exception {
        RuntimeSpec s = new RuntimeSpec("harness", "codex", "sha256:cd", "h-1", true, List.of(), Map.of(), "/mnt/workspace",
                0, 5, null).withHarness(new HarnessSpec("codex", "gpt-5", null, "0.171.0"));
        assertThat(json.readValue(json.writeValueAsString(s), RuntimeSpec.class)).isEqualTo(s);
    }
}
