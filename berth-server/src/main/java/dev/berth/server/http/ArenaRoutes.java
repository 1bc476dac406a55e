package dev.berth.server.http;

import dev.berth.api.model.ArenaInfo;
import dev.berth.api.model.ArenaRequest;
import dev.berth.server.arena.ArenaReport;
import dev.berth.server.arena.ArenaService;
import dev.berth.server.identity.Access;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

/**
 * {@code /v1/arenas}: start an arena, list and show them, follow one's progress as JSON lines, its
 * HTML report, an agent's changes as a patch, and stop it. Arenas are their owner's (operators and
 * admins see all, auditors read all).
 */
public final class ArenaRoutes {
    private final ArenaService arenas;
    private final Duration heartbeat;
    private final Followers followers;

    public ArenaRoutes(ArenaService arenas, Duration heartbeat, Followers followers) {
        this.arenas = arenas;
        this.heartbeat = heartbeat;
        this.followers = followers;
    }

    public List<Route> routes() {
        return List.of(
                Route.of("POST", "/v1/arenas", Access.SESSIONS, this::start).audited("arena.start"),
                Route.of("GET", "/v1/arenas", Access.ANY, x -> x.json(200, arenas.list(x.principal()))),
                Route.of("GET", "/v1/arenas/{arena}", Access.ANY, x -> x.json(200, arenas.get(x.param("arena"), x.principal()))),
                Route.of("GET", "/v1/arenas/{arena}/follow", Access.ANY, this::follow),
                Route.of("GET", "/v1/arenas/{arena}/report.html", Access.ANY, this::report),
                Route.of("GET", "/v1/arenas/{arena}/agents/{agent}/patch", Access.SESSIONS, this::patch).audited("arena.export"),
                Route.of("POST", "/v1/arenas/{arena}/stop", Access.SESSIONS,
                        x -> x.json(200, arenas.stop(x.param("arena"), x.principal()))).audited("arena.stop"));
    }

    private void start(Exchange x) throws Exception {
        ArenaRequest r = x.body(ArenaRequest.class, null);
        ArenaInfo a = arenas.start(r, x.principal());
        x.auditTarget(null, "arena/" + a.id());
        x.audit("from", a.from()).audit("check", a.check())
                .audit("agents", a.agents().stream().map(g -> g.name() + "=" + g.runtime()
                        + (g.model() == null ? "" : ":" + g.model())).toList());
        x.json(201, a);
    }

    /** Progress lines: {@code {"type":"progress","arena":…}} on each change, {@code "done"} last. */
    private void follow(Exchange x) throws Exception {
        String id = x.param("arena");
        arenas.get(id, x.principal()); // unknown: an error, before the stream starts
        NdJsonLines out = new NdJsonLines(x.response);
        x.response.setStatus(200);
        followers.run(() -> arenas.follow(id, x.principal(), heartbeat, a -> {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("type", a.over() ? "done" : "progress");
            line.put("arena", a);
            try {
                out.write(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // the client went away: the follow ends, the arena goes on
            }
        }));
        out.end();
    }

    private void report(Exchange x) throws Exception {
        byte[] html = ArenaReport.html(arenas.get(x.param("arena"), x.principal())).getBytes(StandardCharsets.UTF_8);
        x.response.setStatus(200);
        x.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        x.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, html.length);
        Content.Sink.write(x.response, true, ByteBuffer.wrap(html));
    }

    private void patch(Exchange x) throws Exception {
        byte[] patch = arenas.patch(x.param("arena"), x.param("agent"), x.principal()).getBytes(StandardCharsets.UTF_8);
        x.audit("agent", x.param("agent"));
        x.response.setStatus(200);
        x.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/x-diff; charset=utf-8");
        x.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, patch.length);
        Content.Sink.write(x.response, true, ByteBuffer.wrap(patch));
    }
}
