package dev.berth.server.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ToolPolicyTest {
    private final ToolPolicy policy = new ToolPolicy(
            Map.of("github", new McpServerConfig(List.of("x"), null, null, null, List.of("get_issue", "create_issue"), null),
                    "jira", new McpServerConfig(null, null, "http://127.0.0.1:1/mcp", null, null, null)),
            Map.of("triage", List.of("github__get_issue", "jira__*")));

    @Test
    void theServersListBindsEveryoneAndARuntimesListNarrowsIt() {
        assertThat(policy.allows(null, "github", "create_issue")).isTrue();
        assertThat(policy.allows(null, "github", "delete_repo")).isFalse();
        assertThat(policy.allows("other", "jira", "anything")).isTrue();
        assertThat(policy.allows("triage", "github", "get_issue")).isTrue();
        assertThat(policy.allows("triage", "github", "create_issue")).isFalse();
        assertThat(policy.allows("triage", "jira", "search")).isTrue();
        assertThat(policy.allows(null, "nosuch", "tool")).isFalse();
    }

    @Test
    void redactionHidesNamedArgumentsAtAnyDepth() {
        Map<String, Object> args = Map.of("title", "t", "token", "s3cret",
                "nested", Map.of("token", "s3cret-too", "list", List.of(Map.of("token", "x"))));
        assertThat(ToolCallAudit.redacted(args, Set.of("token"))).isEqualTo(Map.of("title", "t", "token", "[redacted]",
                "nested", Map.of("token", "[redacted]", "list", List.of(Map.of("token", "[redacted]")))));
    }
}
