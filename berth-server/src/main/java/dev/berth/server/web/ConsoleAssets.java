package dev.berth.server.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The web console's files, as berth-web bundled them into its jar ({@code dev/berth/web/MANIFEST}
 * lists them): read once at start and kept in memory, each with its gzip copy and an ETag, so a
 * page costs no disk read. Absent when the console is not in this build.
 */
public final class ConsoleAssets {
    private static final String ROOT = "dev/berth/web/";

    /** One file: its bytes, the pre-compressed copy (null when none), type and strong ETag. */
    public record Asset(String path, byte[] bytes, byte[] gzip, String contentType, String etag) {}

    private final Map<String, Asset> byPath;

    private ConsoleAssets(Map<String, Asset> byPath) {
        this.byPath = Map.copyOf(byPath);
    }

    /** The console bundled on the class path, or empty when this build has none. */
    public static Optional<ConsoleAssets> load(ClassLoader loader) {
        byte[] manifest = read(loader, ROOT + "MANIFEST");
        if (manifest == null) {
            return Optional.empty();
        }
        Map<String, Asset> assets = new HashMap<>();
        for (String line : new String(manifest, StandardCharsets.UTF_8).split("\n")) {
            String path = line.strip();
            if (path.isEmpty()) {
                continue;
            }
            byte[] bytes = read(loader, ROOT + path);
            if (bytes == null) {
                throw new IllegalStateException("the console's MANIFEST names " + path + ", which is not in the jar");
            }
            assets.put("/" + path, new Asset("/" + path, bytes, read(loader, ROOT + path + ".gz"), typeOf(path),
                    etagOf(bytes)));
        }
        if (!assets.containsKey("/index.html")) {
            throw new IllegalStateException("the console's MANIFEST has no index.html");
        }
        return Optional.of(new ConsoleAssets(assets));
    }

    /** The file at a request path ({@code /assets/app-….js}), if the bundle has it. */
    public Optional<Asset> file(String path) {
        return Optional.ofNullable(byPath.get(path));
    }

    /** The page every console path shows: the router in it picks what to render. */
    public Asset index() {
        return byPath.get("/index.html");
    }

    private static byte[] read(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    private static String typeOf(String path) {
        String ext = path.substring(path.lastIndexOf('.') + 1);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "woff2" -> "font/woff2";
            case "woff" -> "font/woff";
            case "ttf" -> "font/ttf";
            case "png" -> "image/png";
            case "wasm" -> "application/wasm";
            default -> "application/octet-stream";
        };
    }

    private static String etagOf(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(d, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
