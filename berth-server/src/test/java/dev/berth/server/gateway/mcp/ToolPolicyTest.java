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
            Map.of("triage", List.of("github__get_issue", "jira__*")),
            Map.of("user", List.of("github__*", "jira__search")));

    @Test
    void theServersListBindsEveryoneAndARuntimesListNarrowsIt() {
        assertThat(policy.allows(null, null, "github", "create_issue")).isTrue();
        assertThat(policy.allows(null, null, "github", "delete_repo")).isFalse();
        assertThat(policy.allows("other", null, "jira", "anything")).isTrue();
        assertThat(policy.allows("triage", null, "github", "get_issue")).isTrue();
        assertThat(policy.allows("triage", null, "github", "create_issue")).isFalse();
        assertThat(policy.allows("triage", null, "jira", "search")).isTrue();
        assertThat(policy.allows(null, null, "nosuch", "tool")).isFalse();
    }

    @Test
    void anOwnersRoleNarrowsItFurtherAndBothListsMustAgree() {
        assertThat(policy.allows(null, "user", "github", "create_issue")).isTrue();
        assertThat(policy.allows(null, "user", "jira", "search")).isTrue();
        assertThat(policy.allows(null, "user", "jira", "create")).isFalse();
        assertThat(policy.allows(null, "admin", "jira", "create")).isTrue(); // a role not listed: no role limit
        assertThat(policy.allows("triage", "user", "github", "get_issue")).isTrue();
        assertThat(policy.allows("triage", "user", "jira", "create")).isFalse(); // the runtime allows it, the role not
        assertThat(policy.allows("triage", "admin", "github", "create_issue")).isFalse(); // the role does not widen a runtime
    }

    @Test
    void redactionHidesNamedArgumentsAtAnyDepth() {
        Map<String, Object> args = Map.of("title", "t", "token", "s3cret",
                "nested", Map.of("token", "s3cret-too", "list", List.of(Map.of("token", "x"))));
        assertThat(ToolCallAudit.redacted(args, Set.of("token"))).isEqualTo(Map.of("title", "t", "token", "[redacted]",
                "nested", Map.of("token", "[redacted]", "list", List.of(Map.of("token", "[redacted]")))));
    }
}
