package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.files.SandboxPath;
import dev.berth.server.files.WorkspaceFiles;
import dev.berth.server.identity.Access;
import dev.berth.server.sessions.SessionService;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

/**
 * {@code GET /v1/sessions/{id}/files?path=/mnt/workspace/…}: a directory of the session's workspace
 * as JSON, or a file's bytes as a download; a stopped session is resumed first. Audited
 * {@code file.list} / {@code file.read} with the resource {@code file/mnt/workspace/…}.
 */
public final class FileRoutes {
    private final SessionService sessions;

    public FileRoutes(SessionService sessions) {
        this.sessions = sessions;
    }

    public List<Route> routes() {
        return List.of(Route.of("GET", "/v1/sessions/{id}/files", Access.SESSION, this::files).audited("file.read"));
    }

    private void files(Exchange x) throws Exception {
        String id = x.param("id");
        SandboxPath path = SandboxPath.parse(x.query("path"));
        x.auditTarget(id, "file" + path.absolute());
        try (WorkspaceFiles.Found found = WorkspaceFiles.open(sessions.workspace(id), path)) {
            if (found.isDirectory()) {
                x.auditAction("file.list");
                x.json(200, found.list());
                return;
            }
            if (!found.isRegularFile()) {
                throw new ApiException(ErrorCode.INVALID_FIELD, path.absolute() + " is neither a file nor a directory");
            }
            try (InputStream in = found.read()) {
                x.response.setStatus(200);
                x.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                x.response.getHeaders().put(HttpHeader.CONTENT_DISPOSITION, attachment(path.name()));
                x.auditNow(); // a download may be long, or cut: it is recorded as it begins
                byte[] buf = new byte[64 << 10];
                for (int n; (n = in.read(buf)) > 0; ) {
                    Content.Sink.write(x.response, false, ByteBuffer.wrap(buf, 0, n));
                }
            }
            Content.Sink.write(x.response, true, ByteBuffer.allocate(0));
        }
    }

    /** {@code attachment; filename="…"}, with the UTF-8 name in {@code filename*} when it is not plain ASCII. */
    static String attachment(String name) {
        StringBuilder ascii = new StringBuilder();
        boolean plain = true;
        for (char c : name.toCharArray()) {
            boolean ok = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
            plain &= ok;
            ascii.append(ok ? c : '_');
        }
        String header = "attachment; filename=\"" + ascii + "\"";
        return plain ? header
                : header + "; filename*=UTF-8''" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
