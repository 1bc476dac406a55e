package dev.berth.server.http;

import dev.berth.api.model.CreateSessionRequest;
import dev.berth.server.sessions.SessionService;
import java.util.List;
import java.util.Map;

/** {@code /v1/health} and {@code /v1/sessions…}. */
public final class SessionRoutes {
    private final SessionService sessions;
    private final Map<String, Object> health;

    public SessionRoutes(SessionService sessions, Map<String, Object> health) {
        this.sessions = sessions;
        this.health = Map.copyOf(health);
    }

    public List<Route> routes() {
        return List.of(
                Route.of("GET", "/v1/health", x -> x.json(200, health)),
                Route.of("GET", "/v1/sessions", x -> x.json(200, sessions.list())),
                Route.of("POST", "/v1/sessions", x -> x.json(201, sessions.create(
                        x.body(CreateSessionRequest.class, CreateSessionRequest.DEFAULTS)))),
                Route.of("GET", "/v1/sessions/{id}", x -> x.json(200, sessions.get(x.param("id")))),
                Route.of("DELETE", "/v1/sessions/{id}", x -> {
                    sessions.delete(x.param("id"));
                    x.json(204, null);
                }),
                Route.of("POST", "/v1/sessions/{id}/stop", x -> x.json(200, sessions.stop(x.param("id")))));
    }
}
