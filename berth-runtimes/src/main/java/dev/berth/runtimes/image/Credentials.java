package dev.berth.runtimes.image;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Registry logins by host ({@code HOST[:PORT]} as in the image reference). Immutable: {@link #with}
 * returns a new set. Nothing here ever prints a password.
 */
public final class Credentials {
    private static final Credentials NONE = new Credentials(Map.of());

    /** A username and password (or token as password); {@link #toString} shows the username only. */
    public record Login(String username, String password) {
        public Login {
            if (username == null || password == null) {
                throw new IllegalArgumentException("a login needs a username and a password");
            }
        }

        @Override
        public String toString() {
            return "Login[" + username + ", password hidden]";
        }
    }

    private final Map<String, Login> byHost;

    private Credentials(Map<String, Login> byHost) {
        this.byHost = Map.copyOf(byHost);
    }

    /** Anonymous pulls only. */
    public static Credentials none() {
        return NONE;
    }

    /** These credentials and a login for {@code host}, replacing any it had. */
    public Credentials with(String host, String username, String password) {
        Map<String, Login> m = new HashMap<>(byHost);
        m.put(normalHost(host), new Login(username, password));
        return new Credentials(m);
    }

    public Optional<Login> forHost(String host) {
        return Optional.ofNullable(byHost.get(normalHost(host)));
    }

    /**
     * One spelling per registry: Docker Hub's several names are one, and keys from a docker
     * config ({@code https://index.docker.io/v1/}) lose their scheme and path.
     */
    static String normalHost(String key) {
        String h = key.strip();
        int scheme = h.indexOf("://");
        if (scheme >= 0) {
            h = h.substring(scheme + 3);
        }
        int slash = h.indexOf('/');
        if (slash >= 0) {
            h = h.substring(0, slash);
        }
        h = h.toLowerCase(Locale.ROOT);
        return switch (h) {
            case "docker.io", "index.docker.io", "registry.hub.docker.com" -> ImageRef.DOCKER_HUB;
            default -> h;
        };
    }

    @Override
    public String toString() {
        return "Credentials" + byHost.keySet();
    }
}
