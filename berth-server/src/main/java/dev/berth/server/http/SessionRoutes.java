package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ForkRequest;
import dev.berth.api.model.ShareRequest;
import dev.berth.server.identity.Access;
import dev.berth.server.identity.Principal;
import dev.berth.server.store.RuntimeRecord;
import dev.berth.server.sessions.SessionService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code /v1/health} and {@code /v1/sessions…}. */
public final class SessionRoutes {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@/-]{0,63}");

    private final SessionService sessions;
    private final Map<String, Object> health;
    private final Duration heartbeat;
    private final Followers followers;

    public SessionRoutes(SessionService sessions, Map<String, Object> health, Duration heartbeat, Followers followers) {
        this.sessions = sessions;
        this.health = Map.copyOf(health);
        this.heartbeat = heartbeat;
        this.followers = followers;
    }

    public List<Route> routes() {
        return List.of(
                Route.of("GET", "/v1/health", Access.ANY, x -> x.json(200, health)),
                Route.of("GET", "/v1/sessions", Access.SESSIONS, this::list),
                Route.of("POST", "/v1/sessions", Access.SESSIONS, this::create).audited("session.create"),
                Route.of("GET", "/v1/sessions/{id}", Access.SESSION, x -> x.json(200, sessions.get(x.param("id")))),
                Route.of("DELETE", "/v1/sessions/{id}", Access.SESSION, x -> {
                    sessions.delete(x.param("id"));
                    x.json(204, null);
                }).audited("session.delete"),
                Route.of("POST", "/v1/sessions/{id}/stop", Access.SESSION, x -> x.json(200, sessions.stop(x.param("id"))))
                        .audited("session.stop"),
                Route.of("POST", "/v1/sessions/{id}/fork", Access.SESSION, this::fork).audited("session.fork"),
                Route.of("POST", "/v1/sessions/{id}/share", Access.SESSION_SHARE, x -> share(x, true))
                        .audited("session.share"),
                Route.of("POST", "/v1/sessions/{id}/unshare", Access.SESSION_SHARE, x -> share(x, false))
                        .audited("session.unshare"));
    }

    /** The sessions the caller may use; with {@code follow=true}, then their changes as JSON lines ({@link SessionFollow}). */
    private void list(Exchange x) throws Exception {
        if (!"true".equals(x.query("follow"))) {
            x.json(200, sessions.list(x.principal()::mayUse));
            return;
        }
        NdJsonLines out = new NdJsonLines(x.response);
        x.response.setStatus(200);
        out.begin();
        followers.run(() -> new SessionFollow(sessions, x.principal()::mayUse, out, heartbeat).run());
    }

    private void create(Exchange x) throws Exception {
        CreateSessionRequest request = x.body(CreateSessionRequest.class, CreateSessionRequest.DEFAULTS);
        Principal p = x.principal();
        if (request.runtime() != null) {
            String name = RuntimeRecord.nameOf(request.runtime());
            x.audit("runtime", request.runtime());
            if (!p.mayRun(name)) {
                // as if it did not exist: a user learns nothing of runtimes they may not run
                throw new ApiException(ErrorCode.RUNTIME_NOT_FOUND, "no runtime " + name);
            }
        }
        var info = sessions.create(request, p.user(), p.role().wire());
        x.auditTarget(info.id(), "session/" + info.id());
        x.json(201, info);
    }

    private void fork(Exchange x) throws Exception {
        ForkRequest r = x.body(ForkRequest.class, null);
        if (r.id() == null) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "name the new session: \"id\"");
        }
        if (r.count() != null && (r.count() < 1 || r.count() > ForkRequest.MAX_COUNT)) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "count must be 1 to " + ForkRequest.MAX_COUNT + ", not " + r.count());
        }
        String source = x.param("id");
        Principal p = x.principal();
        // the copies run the source's runtime: as at creation, the caller must be allowed it
        sessions.find(source).filter(s -> s.runtime() != null && !p.mayRun(RuntimeRecord.nameOf(s.runtime()))).ifPresent(s -> {
            throw new ApiException(ErrorCode.RUNTIME_NOT_FOUND, "no runtime " + RuntimeRecord.nameOf(s.runtime()));
        });
        List<String> ids = r.copyIds();
        x.audit("source", source).audit("copies", ids);
        List<CreateSessionRequest> copies = ids.stream()
                .map(id -> new CreateSessionRequest(id, null, null, null, null, null, null)).toList();
        x.json(201, sessions.fork(source, copies, p.user(), p.role().wire()));
    }

    private void share(Exchange x, boolean add) throws Exception {
        ShareRequest r = x.body(ShareRequest.class, null);
        List<String> who = new ArrayList<>();
        for (String u : r.users() == null ? List.<String>of() : r.users()) {
            who.add("user:" + checked(u));
        }
        for (String g : r.groups() == null ? List.<String>of() : r.groups()) {
            who.add("group:" + checked(g));
        }
        if (who.isEmpty()) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "name at least one of \"users\" or \"groups\"");
        }
        x.audit(add ? "add" : "remove", who);
        x.json(200, add ? sessions.share(x.param("id"), who, List.of()) : sessions.share(x.param("id"), List.of(), who));
    }

    private static String checked(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "not a user or group name: " + name);
        }
        return name;
    }
}
