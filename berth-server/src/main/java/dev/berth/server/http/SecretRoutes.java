package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.SecretInfo;
import dev.berth.server.identity.Access;
import dev.berth.server.secrets.SecretStore;
import dev.berth.server.store.SecretRecord;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;

/** {@code /v1/secrets…}: admins set, list and remove secrets; no route returns a value. */
public final class SecretRoutes {
    private final SecretStore secrets;

    public SecretRoutes(SecretStore secrets) {
        this.secrets = secrets;
    }

    public List<Route> routes() {
        return List.of(
                Route.of("PUT", "/v1/secrets/{secret}", Access.ADMIN, this::set).audited("secret.set"),
                Route.of("GET", "/v1/secrets", Access.ADMIN, x -> x.json(200, secrets.list().stream().map(SecretRoutes::info).toList())),
                Route.of("DELETE", "/v1/secrets/{secret}", Access.ADMIN, x -> {
                    x.audit("name", x.param("secret"));
                    x.json(200, info(secrets.remove(x.param("secret"))));
                }).audited("secret.rm"));
    }

    /** The body is the value, as it is: {@code application/octet-stream} (or {@code text/plain}). */
    private void set(Exchange x) throws Exception {
        String name = x.param("secret");
        x.audit("name", name); // the name only: never the value, nor its length
        SecretStore.checkName(name);
        String type = x.header(HttpHeader.CONTENT_TYPE);
        if (type != null) {
            String t = type.toLowerCase(Locale.ROOT);
            // a form post would have been mangled on its way (curl -d drops newlines); JSON would be stored as JSON
            if (!t.startsWith("application/octet-stream") && !t.startsWith("text/plain")) {
                throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                        "send the value itself as application/octet-stream, not " + type);
            }
        }
        byte[] value = x.bytes(SecretStore.MAX_VALUE_BYTES);
        try {
            SecretStore.Stored s = secrets.set(name, value, x.principal().user());
            x.audit("replaced", !s.created());
            x.json(s.created() ? 201 : 200, info(s.secret()));
        } finally {
            Arrays.fill(value, (byte) 0);
        }
    }

    private static SecretInfo info(SecretRecord r) {
        return new SecretInfo(r.name(), r.createdAt(), r.updatedAt(), r.updatedBy());
    }
}
