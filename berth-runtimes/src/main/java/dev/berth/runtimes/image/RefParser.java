package dev.berth.runtimes.image;

import dev.berth.runtimes.image.ImageException.Kind;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Reads the text forms of {@link ImageRef}. */
final class RefParser {
    /** The grammar of docker/distribution's reference package. */
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final Pattern REPOSITORY = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");
    private static final Pattern HOST = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
                    + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");

    private RefParser() {}

    /** Parses a reference, refusing anything malformed with INVALID_REFERENCE. */
    static ImageRef parse(String text) throws ImageException {
        if (text == null || text.isBlank() || !text.equals(text.strip()) || text.chars().anyMatch(c -> c < 0x20)) {
            throw invalid(text, "it is empty or has spaces or control characters");
        }
        if (text.startsWith("oci-layout:")) {
            return parseLayout(text, text.substring("oci-layout:".length()));
        }
        if (text.startsWith("docker-archive:")) {
            String file = text.substring("docker-archive:".length());
            if (file.isEmpty()) {
                throw invalid(text, "no archive file is named");
            }
            return new ImageRef.DockerArchive(Path.of(file));
        }
        return parseRegistry(text, text.startsWith("docker://") ? text.substring("docker://".length()) : text);
    }

    private static ImageRef parseLayout(String text, String rest) throws ImageException {
        String dir = rest;
        String tag = null;
        Digest digest = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            dir = rest.substring(0, at);
            digest = digest(text, rest.substring(at + 1));
        } else {
            int colon = rest.lastIndexOf(':');
            if (colon > rest.lastIndexOf('/')) {
                dir = rest.substring(0, colon);
                tag = rest.substring(colon + 1);
                if (!TAG.matcher(tag).matches()) {
                    throw invalid(text, "\"" + tag + "\" is not a valid tag");
                }
            }
        }
        if (dir.isEmpty()) {
            throw invalid(text, "no layout directory is named");
        }
        return new ImageRef.OciLayout(Path.of(dir), tag, digest);
    }

    private static ImageRef parseRegistry(String text, String rest) throws ImageException {
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = digest(text, rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        String tag = "latest";
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text, "\"" + tag + "\" is not a valid tag");
            }
        }
        String host = ImageRef.DOCKER_HUB;
        String repo = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("[")) {
                host = first;
                repo = rest.substring(slash + 1);
            }
        }
        if (host.equals("docker.io") || host.equals("index.docker.io")) {
            host = ImageRef.DOCKER_HUB;
        }
        if (host.equals(ImageRef.DOCKER_HUB) && !repo.contains("/")) {
            repo = "library/" + repo; // Docker Hub's official images
        }
        if (!HOST.matcher(host).matches()) {
            throw invalid(text, "\"" + host + "\" is not a valid registry host");
        }
        if (repo.length() > 255 || !REPOSITORY.matcher(repo).matches()) {
            throw invalid(text, "\"" + repo + "\" is not a valid repository name (lowercase letters, digits, . _ - and /)");
        }
        return new ImageRef.Registry(host, repo, tag, digest);
    }

    private static Digest digest(String text, String digest) throws ImageException {
        try {
            return Digest.parse(digest);
        } catch (ImageException e) {
            throw invalid(text, e.getMessage());
        }
    }

    private static ImageException invalid(String text, String why) {
        String shown = text == null ? "" : text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return new ImageException(Kind.INVALID_REFERENCE, "invalid image reference \"" + shown.replaceAll("\\p{Cntrl}", "?")
                + "\": " + why);
    }
}
