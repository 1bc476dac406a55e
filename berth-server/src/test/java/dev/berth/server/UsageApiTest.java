package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.Budget;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.CreateTokenRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Role;
import dev.berth.api.model.SessionBudget;
import dev.berth.api.model.UsageLine;
import dev.berth.api.model.UsageReport;
import dev.berth.server.store.ModelCallRecord;
import dev.berth.server.store.SqliteStore;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/usage} and session budgets over the real API: who sees what, and bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageApiTest {
    @TempDir
    static Path data;
    TestServer server;
    BerthClient admin;
    BerthClient alice;
    BerthClient bob;
    BerthClient auditor;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(data);
        server.assumeSandboxes();
        admin = server.client();
        alice = new BerthClient(server.server.uri(), admin.createToken(new CreateTokenRequest("alice", Role.USER, null, null, null)).secret());
        bob = new BerthClient(server.server.uri(), admin.createToken(new CreateTokenRequest("bob", Role.USER, null, null, null)).secret());
        auditor = new BerthClient(server.server.uri(),
                admin.createToken(new CreateTokenRequest("audrey", Role.AUDITOR, null, null, null)).secret());
        alice.createSession(CreateSessionRequest.of("alice-1", null, null));
        bob.createSession(CreateSessionRequest.of("bob-1", null, null));
        // the calls as the gateway stores them, written through a second connection to the server's database
        try (SqliteStore store = new SqliteStore(data.resolve("berth.db"))) {
            Instant now = Instant.now();
            store.insertModelCalls(java.util.List.of(
                    call(now, "alice-1", "alice", "coder", "claude-sonnet-4-5", "0.0004725"),
                    call(now, "alice-1", "alice", "coder", "claude-sonnet-4-5", "0.0004725"),
                    call(now.minus(Duration.ofHours(2)), "alice-1", "alice", "coder", "claude-sonnet-4-5", "0.1"),
                    call(now, "bob-1", "bob", null, "gpt-4o", "0.000155")));
        }
    }

    private static ModelCallRecord call(Instant at, String session, String owner, String agent, String model, String cost) {
        return new ModelCallRecord(at, session, owner, agent, model.startsWith("gpt") ? "openai" : "anthropic", model,
                25, 12, 100, 50, 40, new BigDecimal(cost), 200);
    }

    @AfterAll
    void stop() throws Exception {
        for (BerthClient c : new BerthClient[] {alice, bob, auditor, admin}) {
            if (c != null) {
                c.close();
            }
        }
        if (server != null) {
            server.removeSessionsAndClose();
        }
    }

    @Test
    void usersSeeTheirOwnSessionsAndTheOtherRolesSeeAll() {
        UsageReport mine = alice.usage(null, null);
        assertThat(mine.lines()).extracting(UsageLine::session, UsageLine::calls).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alice-1", 3L));
        assertThat(mine.total().costUsd()).isEqualByComparingTo("0.100945");
        assertThat(bob.usage(null, null).lines()).extracting(UsageLine::session).containsExactly("bob-1");
        assertThat(bob.usage("alice-1", null).lines()).isEmpty();
        assertThat(admin.usage(null, null).total().calls()).isEqualTo(4);
        assertThat(auditor.usage(null, null).total().calls()).isEqualTo(4);
        assertThat(admin.usage(null, null).total().inputTokens()).isEqualTo(4 * 25);
    }

    @Test
    void sinceTakesAnInstantOrATimeAgo() throws Exception {
        assertThat(alice.usage("alice-1", Instant.now().minus(Duration.ofHours(1))).total().calls()).isEqualTo(2);
        HttpResponse<String> ago = server.send("GET", "/v1/usage?session=alice-1&since=1h", null);
        assertThat(ago.statusCode()).isEqualTo(200);
        assertThat(ago.body()).contains("\"calls\":2");
        HttpResponse<String> bad = server.send("GET", "/v1/usage?since=yesterday", null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("invalid_field");
    }

    @Test
    void aBudgetIsSetByWhoMayUseTheSessionAndShownWithItsSpending() throws Exception {
        SessionBudget b = alice.setBudget("alice-1", new Budget(1000L, new BigDecimal("0.50")));
        assertThat(b.tokens()).isEqualTo(1000L);
        assertThat(b.usd()).isEqualByComparingTo("0.5");
        // what counts against it is what this session spent: not the call stored from before it was made
        assertThat(b.spentTokens()).isEqualTo(2 * 187);
        assertThat(b.spentUsd()).isEqualByComparingTo("0.000945");
        assertThat(b.exhausted()).isFalse();
        assertThat(alice.usage("alice-1", null).budgets()).singleElement()
                .satisfies(s -> assertThat(s.tokens()).isEqualTo(1000L));
        assertThat(alice.setBudget("alice-1", new Budget(374L, null)).exhausted()).isTrue();
        assertThatThrownBy(() -> bob.setBudget("alice-1", new Budget(1L, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND));
        assertThatThrownBy(() -> alice.setBudget("alice-1", new Budget(-1L, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        assertThatThrownBy(() -> admin.setBudget("nobody", new Budget(1L, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND));
        assertThat(alice.setBudget("alice-1", new Budget(null, null)).tokens()).isNull();
        assertThat(alice.usage("alice-1", null).budgets()).isEmpty();
    }
}
