package dev.berth.cli.arena;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An agent's patch as a new branch of a local git repository, made from its HEAD without touching
 * the work tree or the index the user has (a private index file is used), so it is safe mid-work.
 */
public final class GitBranch {
    private GitBranch() {}

    /** @return the new branch's commit */
    public static String create(Path repo, String branch, String patch, String message) throws IOException {
        Path index = Files.createTempFile("berth-arena-index-", "");
        Path patchFile = Files.createTempFile("berth-arena-", ".patch");
        try {
            Files.deleteIfExists(index); // git makes it
            Files.writeString(patchFile, patch, StandardCharsets.UTF_8);
            Map<String, String> env = Map.of("GIT_INDEX_FILE", index.toString());
            git(repo, env, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch).ifOk(() -> {
                throw new IOException("branch " + branch + " already exists");
            });
            git(repo, env, "read-tree", "HEAD").orFail("cannot read HEAD");
            git(repo, env, "apply", "--cached", "--binary", patchFile.toString())
                    .orFail("the patch does not apply to HEAD (was the arena started from this commit?)");
            String tree = git(repo, env, "write-tree").orFail("cannot write the tree");
            String commit = git(repo, env, "-c", "user.name=berth arena", "-c", "user.email=berth@localhost", "commit-tree",
                    tree, "-p", "HEAD", "-m", message).orFail("cannot commit");
            git(repo, env, "branch", branch, commit).orFail("cannot make branch " + branch);
            return commit;
        } finally {
            Files.deleteIfExists(index);
            Files.deleteIfExists(patchFile);
        }
    }

    private record Git(int code, String out) {
        String orFail(String what) throws IOException {
            if (code != 0) {
                throw new IOException(what + ": " + out);
            }
            return out;
        }

        void ifOk(IoAction a) throws IOException {
            if (code == 0) {
                a.run();
            }
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    private static Git git(Path repo, Map<String, String> env, String... args) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of("git", "-C", repo.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Git(124, "git timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted");
        }
        return new Git(p.exitValue(), out);
    }
}
