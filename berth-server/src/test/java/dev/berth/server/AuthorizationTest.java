package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.CreateTokenRequest;
import dev.berth.api.model.Role;
import dev.berth.api.model.ShareRequest;
import dev.berth.runtimes.testing.TestAgents;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint, called by every role, on a session of the caller's own and on somebody else's.
 * A refused session call must read exactly like a call on a session that does not exist.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationTest {
    @TempDir
    static Path data;
    @TempDir
    static Path work;

    TestServer server;
    /** caller name → bearer token */
    final Map<String, String> tokens = new LinkedHashMap<>();
    String aliceSession;
    String aliceCommand;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(data);
        server.assumeSandboxes();
        tokens.put("admin", server.token);
        try (BerthClient admin = server.client()) {
            tokens.put("operator", admin.createToken(new CreateTokenRequest("olga", Role.OPERATOR, null, null, null)).secret());
            tokens.put("owner", admin.createToken(new CreateTokenRequest("alice", Role.USER, null, null, null)).secret());
            tokens.put("other-user", admin.createToken(new CreateTokenRequest("bob", Role.USER, null, null, null)).secret());
            tokens.put("group-member", admin.createToken(
                    new CreateTokenRequest("carol", Role.USER, null, List.of("devs"), null)).secret());
            tokens.put("auditor", admin.createToken(new CreateTokenRequest("audrey", Role.AUDITOR, null, null, null)).secret());
            admin.deployZip("agent", TestAgents.pythonZip(work), "python", null);
        }
        try (BerthClient alice = new BerthClient(server.server.uri(), tokens.get("owner"))) {
            aliceSession = alice.createSession(CreateSessionRequest.of("alice-1", null, null)).id();
            alice.share(aliceSession, new ShareRequest(null, List.of("devs")), true);
            aliceCommand = alice.startCommand(aliceSession, detached("true")).id();
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.removeSessionsAndClose();
        }
    }

    private static CommandRequest detached(String shell) {
        return new CommandRequest(null, List.of("sh", "-c", shell), null, null, null, null, null, true);
    }

    /** One call: method, path (with {@code ID} and {@code CID} for alice's session and command), JSON body. */
    record Call(String method, String path, String body) {
        String on(String session, String command) {
            return path.replace("ID", session).replace("CID", command);
        }
    }

    static final List<Call> SESSION_CALLS = List.of(
            new Call("GET", "/v1/sessions/ID", null),
            new Call("POST", "/v1/sessions/ID/stop", null),
            new Call("POST", "/v1/sessions/ID/commands", "{\"argv\":[\"true\"]}"),
            new Call("GET", "/v1/sessions/ID/commands", null),
            new Call("GET", "/v1/sessions/ID/commands/CID", null),
            new Call("GET", "/v1/sessions/ID/commands/CID/output", null),
            new Call("POST", "/v1/sessions/ID/commands/CID/signal", "{\"signal\":\"TERM\"}"),
            new Call("POST", "/v1/sessions/ID/commands/CID/input", "x"),
            new Call("POST", "/v1/sessions/ID/commands/CID/resize", "{\"rows\":10,\"cols\":20}"),
            new Call("GET", "/v1/sessions/ID/commands/CID/tty?client=c1", null),
            new Call("DELETE", "/v1/sessions/ID", null));

    /** Who may use alice's session: admins, operators, alice, and carol through group devs. */
    static final List<String> SESSION_USERS = List.of("admin", "operator", "owner", "group-member");

    @Test
    void sessionCallsAnswerRefusalsExactlyAsMissingSessions() throws Exception {
        for (Call call : SESSION_CALLS) {
            for (String caller : tokens.keySet()) {
                String session = aliceSession;
                String command = aliceCommand;
                if (call.method().equals("DELETE") || call.path().endsWith("/stop")) {
                    // each caller gets a fresh session of alice's, so an allowed delete leaves the next one something to refuse
                    session = freshAliceSession();
                    command = "c-none";
                }
                HttpResponse<String> r = send(caller, call.method(), call.on(session, command), call.body());
                HttpResponse<String> missing = send("admin", call.method(), call.on("no-such-session", command), call.body());
                String what = caller + " " + call.method() + " " + call.path() + " -> " + r.statusCode() + " " + r.body();
                if (SESSION_USERS.contains(caller)) {
                    assertThat(r.statusCode()).as(what).isNotIn(401, 403);
                    assertThat(code(r)).as(what).isNotEqualTo("session_not_found");
                } else {
                    assertThat(r.statusCode()).as(what).isEqualTo(missing.statusCode()).isEqualTo(404);
                    assertThat(r.body().replace(session, "S")).as(what).isEqualTo(missing.body().replace("no-such-session", "S"));
                }
            }
        }
    }

    @Test
    void listingShowsEachUserOnlyWhatTheyMayUse() throws Exception {
        Map<String, Boolean> seesAlice = Map.of("admin", true, "operator", true, "owner", true, "group-member", true,
                "other-user", false);
        for (var e : seesAlice.entrySet()) {
            HttpResponse<String> r = send(e.getKey(), "GET", "/v1/sessions", null);
            assertThat(r.statusCode()).isEqualTo(200);
            List<String> ids = new ArrayList<>();
            Json.mapper().readTree(r.body()).forEach(n -> ids.add(n.get("id").asText()));
            assertThat(ids.contains(aliceSession)).as(e.getKey() + " sees " + ids).isEqualTo(e.getValue());
        }
        assertThat(send("auditor", "GET", "/v1/sessions", null).statusCode()).isEqualTo(403);
        assertThat(code(send("auditor", "GET", "/v1/sessions", null))).isEqualTo("forbidden");
    }

    @Test
    void sessionCreationNeedsARoleThatMakesSessionsAndRecordsTheOwner() throws Exception {
        for (String caller : tokens.keySet()) {
            HttpResponse<String> r = send(caller, "POST", "/v1/sessions", "{}");
            if (caller.equals("auditor")) {
                assertThat(r.statusCode()).as(caller).isEqualTo(403);
            } else {
                assertThat(r.statusCode()).as(caller + " " + r.body()).isEqualTo(201);
                JsonNode s = Json.mapper().readTree(r.body());
                assertThat(s.get("owner").asText()).isEqualTo(userOf(caller));
                send("admin", "DELETE", "/v1/sessions/" + s.get("id").asText(), null);
            }
        }
    }

    @Test
    void onlyOwnersOperatorsAndAdminsMayShare() throws Exception {
        String body = "{\"users\":[\"dave\"]}";
        for (String caller : tokens.keySet()) {
            HttpResponse<String> r = send(caller, "POST", "/v1/sessions/" + aliceSession + "/share", body);
            boolean allowed = List.of("admin", "operator", "owner").contains(caller);
            assertThat(r.statusCode()).as(caller + " " + r.body()).isEqualTo(allowed ? 200 : 404);
        }
    }

    @Test
    void runtimesAreManagedByOperatorsAndRunOnlyWhereAllowed() throws Exception {
        for (String caller : tokens.keySet()) {
            boolean manages = caller.equals("admin") || caller.equals("operator");
            HttpResponse<String> deploy = send(caller, "POST", "/v1/runtimes/other", "{}");
            assertThat(deploy.statusCode()).as(caller + " deploy " + deploy.body()).isNotIn(401);
            assertThat(code(deploy).equals("forbidden")).as(caller + " deploy").isEqualTo(!manages);
            HttpResponse<String> rm = send(caller, "DELETE", "/v1/runtimes/not-there", null);
            assertThat(code(rm).equals("forbidden")).as(caller + " delete").isEqualTo(!manages);
            HttpResponse<String> list = send(caller, "GET", "/v1/runtimes", null);
            assertThat(list.statusCode()).as(caller + " list").isEqualTo(caller.equals("auditor") ? 403 : 200);
        }
        try (BerthClient admin = server.client()) {
            String limited = admin.createToken(new CreateTokenRequest("erin", Role.USER, null, null, List.of("else"))).secret();
            tokens.put("limited", limited);
        }
        try {
            HttpResponse<String> hidden = send("limited", "GET", "/v1/runtimes/agent", null);
            HttpResponse<String> missing = send("limited", "GET", "/v1/runtimes/nothing", null);
            assertThat(hidden.statusCode()).isEqualTo(404);
            assertThat(hidden.body().replace("agent", "X")).isEqualTo(missing.body().replace("nothing", "X"));
            assertThat(send("limited", "GET", "/v1/runtimes", null).body()).doesNotContain("\"agent\"");
            assertThat(code(send("limited", "POST", "/v1/sessions", "{\"runtime\":\"agent\"}"))).isEqualTo("runtime_not_found");
            assertThat(code(invoke("limited", "agent", "limited-1"))).isEqualTo("runtime_not_found");
        } finally {
            tokens.remove("limited");
        }
        // alice may invoke in a session of her own, but not in bob's
        HttpResponse<String> own = invoke("owner", "agent", "alice-agent");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        HttpResponse<String> bobs = invoke("other-user", "agent", "alice-agent");
        assertThat(code(bobs)).as(bobs.body()).isEqualTo("session_exists");
    }

    @Test
    void theAuditTrailIsForAuditorsAndAdminsAndASessionsLogForItsUsersAndAuditors() throws Exception {
        for (String caller : tokens.keySet()) {
            boolean audits = caller.equals("admin") || caller.equals("auditor");
            assertThat(send(caller, "GET", "/v1/audit?limit=5", null).statusCode()).as(caller).isEqualTo(audits ? 200 : 403);
            assertThat(send(caller, "POST", "/v1/audit/verify", null).statusCode()).as(caller).isEqualTo(audits ? 200 : 403);
            HttpResponse<String> replay = send(caller, "GET", "/v1/audit/ttys/c-none", null);
            assertThat(code(replay)).as(caller).isEqualTo(audits ? "command_not_found" : "forbidden");

            HttpResponse<String> log = send(caller, "GET", "/v1/sessions/" + aliceSession + "/logs", null);
            HttpResponse<String> missing = send("admin", "GET", "/v1/sessions/no-such-session/logs", null);
            if (caller.equals("other-user")) {
                assertThat(log.statusCode()).isEqualTo(404);
                assertThat(log.body().replace(aliceSession, "S")).isEqualTo(missing.body().replace("no-such-session", "S"));
            } else {
                assertThat(log.statusCode()).as(caller + " " + log.body()).isEqualTo(200);
                assertThat(log.body()).as(caller).contains("session.create");
            }
        }
    }

    @Test
    void tokensAreForAdminsOnly() throws Exception {
        for (String caller : tokens.keySet()) {
            int expected = caller.equals("admin") ? 200 : 403;
            assertThat(send(caller, "GET", "/v1/tokens", null).statusCode()).as(caller).isEqualTo(expected);
            assertThat(send(caller, "POST", "/v1/tokens", "{\"user\":\"x\",\"role\":\"admin\"}").statusCode())
                    .as(caller).isEqualTo(caller.equals("admin") ? 201 : 403);
            assertThat(send(caller, "GET", "/v1/whoami", null).statusCode()).as(caller).isEqualTo(200);
            assertThat(send(caller, "GET", "/v1/health", null).statusCode()).as(caller).isEqualTo(200);
        }
    }

    private String freshAliceSession() throws Exception {
        try (BerthClient alice = new BerthClient(server.server.uri(), tokens.get("owner"))) {
            String id = alice.createSession(CreateSessionRequest.of(null, null, null)).id();
            alice.share(id, new ShareRequest(null, List.of("devs")), true);
            return id;
        }
    }

    private static String userOf(String caller) {
        return switch (caller) {
            case "admin" -> "admin";
            case "operator" -> "olga";
            case "owner" -> "alice";
            case "other-user" -> "bob";
            case "group-member" -> "carol";
            default -> caller;
        };
    }

    private HttpResponse<String> invoke(String caller, String runtime, String session) throws Exception {
        return server.send("POST", "/v1/runtimes/" + runtime + "/invocations", "{\"prompt\":\"hi\"}",
                "Authorization", "Bearer " + tokens.get(caller), "Content-Type", "application/json",
                "X-Berth-Session-Id", session);
    }

    private HttpResponse<String> send(String caller, String method, String path, String body) throws Exception {
        try {
            return trySend(caller, method, path, body);
        } catch (java.io.IOException e) {
            throw new AssertionError(caller + " " + method + " " + path + ": " + e, e);
        }
    }

    private HttpResponse<String> trySend(String caller, String method, String path, String body) throws Exception {
        return server.send(method, path, body, "Authorization", "Bearer " + tokens.get(caller),
                "Content-Type", body != null && !body.startsWith("{") ? "application/octet-stream" : "application/json");
    }

    private static String code(HttpResponse<String> r) throws Exception {
        if (r.body() == null || !r.body().startsWith("{")) {
            return "";
        }
        JsonNode error = Json.mapper().readTree(r.body().lines().findFirst().orElseThrow()).get("error"); // NDJSON streams too
        return error == null ? "" : error.get("code").asText();
    }
}
