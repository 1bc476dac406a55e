package dev.berth.bench;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The sessions the bench creates, named {@code bench-TAG-NAME} so that one run never collides with
 * another's leftovers; whatever a failed measurement leaves behind is deleted on close.
 */
public final class BenchSessions implements AutoCloseable {
    private final H2Api api;
    private final String tag;
    private final Set<String> live = new LinkedHashSet<>();

    public BenchSessions(H2Api api) {
        this.api = api;
        this.tag = Long.toString(ProcessHandle.current().pid(), 36);
    }

    public String id(String name) {
        return "bench-" + tag + "-" + name;
    }

    /** Creates the session {@link #id(String) id(name)} and returns its id. */
    public String create(String name) throws Exception {
        String id = id(name);
        live.add(id);
        api.createSession(id);
        return id;
    }

    public void delete(String id) throws Exception {
        api.deleteSession(id);
        live.remove(id);
    }

    public H2Api api() {
        return api;
    }

    @Override
    public void close() {
        for (String id : Set.copyOf(live)) {
            try {
                delete(id);
            } catch (Exception e) {
                System.err.println("bench: could not delete session " + id + ": " + e.getMessage());
            }
        }
    }
}
