package dev.berth.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactorTest {
    private final Redactor redactor = new Redactor();

    private String redacted(Object value) {
        AuditEvent e = redactor.apply(AuditEvent.draft("alice", "token", null, "s", "command/c", "command.start", "ok",
                Map.of("v", value)));
        return String.valueOf(e.details().get("v"));
    }

    @Test
    void berthTokensAndJwtsAreMaskedWherever_theyAppear() {
        String apiToken = "berth_t_abcdefghij_" + "A".repeat(43);
        String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz";
        assertThat(redacted(List.of("curl", "-H", "X-Token " + apiToken, jwt)))
                .doesNotContain(apiToken).doesNotContain(jwt).contains("curl", Redactor.MASK);
        assertThat(redacted(Map.of("nested", List.of("berth_" + "x".repeat(43)))))
                .doesNotContain("x".repeat(43));
    }

    @Test
    void labelledCredentialsLoseTheirValueButKeepTheCommandReadable() {
        assertThat(redacted("curl -H 'Authorization: Bearer s3cr3t-value' https://x"))
                .isEqualTo("curl -H 'Authorization: Bearer " + Redactor.MASK + "' https://x");
        assertThat(redacted("mysql --password=hunter22 -u root")).isEqualTo("mysql --password=" + Redactor.MASK + " -u root");
        assertThat(redacted("export API_KEY=abc123def")).isEqualTo("export API_KEY=" + Redactor.MASK);
        assertThat(redacted("echo hello")).isEqualTo("echo hello");
    }

    @Test
    void knownSecretValuesAreMaskedAndShortOnesAreNotTakenForSecrets() {
        redactor.addSecret("ghp_0123456789abcdef");
        redactor.addSecret("abc"); // too short to mask safely
        assertThat(redacted("git clone https://ghp_0123456789abcdef@github.com/x")).doesNotContain("ghp_0123456789abcdef");
        assertThat(redacted("abc")).isEqualTo("abc");
    }

    @Test
    void nonTextValuesAreKept() {
        assertThat(redacted(42)).isEqualTo("42");
        assertThat(redacted(true)).isEqualTo("true");
    }
}
