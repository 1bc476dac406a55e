package dev.berth.runtimes.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * Logins from a docker {@code config.json}, as {@code docker login} writes them: its {@code auths}
 * map of host to {@code auth} (base64 of {@code user:password}) or {@code username}/{@code password}.
 * Credential helpers and identity tokens are not read.
 */
public final class DockerConfig {
    private DockerConfig() {}

    /** The logins in {@code configJson}; none when the file does not exist. */
    public static Credentials load(Path configJson) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(configJson);
        } catch (NoSuchFileException e) {
            return Credentials.none();
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            // the parser's message may quote the file, which holds secrets
            throw new IOException(configJson + " is not valid JSON");
        }
        Credentials creds = Credentials.none();
        JsonNode auths = root == null ? null : root.get("auths");
        if (auths == null || !auths.isObject()) {
            return creds;
        }
        for (Map.Entry<String, JsonNode> e : auths.properties()) {
            JsonNode entry = e.getValue();
            String user = entry.path("username").asText("");
            String password = entry.path("password").asText("");
            String auth = entry.path("auth").asText("");
            if (!auth.isEmpty()) {
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException bad) {
                    throw new IOException(configJson + ": the auth of " + e.getKey() + " is not base64");
                }
                int colon = decoded.indexOf(':');
                if (colon < 0) {
                    throw new IOException(configJson + ": the auth of " + e.getKey() + " is not user:password");
                }
                user = decoded.substring(0, colon);
                password = decoded.substring(colon + 1);
            }
            if (!user.isEmpty()) {
                creds = creds.with(e.getKey(), user, password);
            }
        }
        return creds;
    }
}
