package dev.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where the secrets key comes from; this only names paths, it never touches them. */
class SecretsPolicyTest {
    @Test
    void theDefaultKeyFileIsTheSystemsForRootAndTheUsersOtherwise() throws Exception {
        boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                .anyMatch(l -> l.split("\\s+")[2].equals("0"));
        Path expected = root ? Path.of("/etc/berth/secrets.key")
                : System.getenv("XDG_CONFIG_HOME") != null && !System.getenv("XDG_CONFIG_HOME").isBlank()
                        ? Path.of(System.getenv("XDG_CONFIG_HOME"), "berth", "secrets.key")
                        : Path.of(System.getProperty("user.home"), ".config", "berth", "secrets.key");
        assertThat(SecretsPolicy.DEFAULTS.keyFileOrDefault()).isEqualTo(expected);
        assertThat(SecretsPolicy.keyFile(Path.of("/srv/k")).keyFileOrDefault()).isEqualTo(Path.of("/srv/k"));
    }

    @Test
    void oneSourceAtATimeAndTheKeyIsNeverPrinted() {
        assertThatThrownBy(() -> SecretsPolicy.DEFAULTS.withKeyCommand("kms get").withKey("a2V5"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("choose one");
        assertThatThrownBy(() -> new SecretsPolicy(Path.of("/k"), "kms get", null)).isInstanceOf(ConfigException.class);
        SecretsPolicy env = SecretsPolicy.keyFile(Path.of("/k")).withKey("c2VjcmV0LWtleQ==");
        assertThat(env.toString()).doesNotContain("c2VjcmV0LWtleQ==").contains("BERTH_SECRETS_KEY");
        assertThat(env.describe()).isEqualTo("key from $BERTH_SECRETS_KEY");
    }
}
