package dev.berth.server.arena;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.harness.CommandRunner;
import java.util.List;

/**
 * What an agent changed in its workspace. Before its first turn the workspace is committed into a
 * git repository kept outside it (in the session's own root, {@value #GIT_DIR}), so neither the agent
 * nor the check sees it and a project's own {@code .git} is left alone; the work tree's
 * {@code .gitignore}s apply, so {@code node_modules} and build output usually do not count. Needs
 * {@code git} in the runtime (harness runtimes have the host's).
 */
final class WorkspaceDiff {
    static final String GIT_DIR = "/root/.berth-arena/base.git";
    /** A patch larger than this is refused rather than truncated. */
    static final int MAX_PATCH = 64 << 20;
    private static final String GIT = "export GIT_DIR=" + GIT_DIR + " GIT_WORK_TREE=/mnt/workspace; "
            + "command -v git >/dev/null 2>&1 || { echo 'no git in this runtime' >&2; exit 3; }; ";

    private final CommandRunner commands;

    WorkspaceDiff(CommandRunner commands) {
        this.commands = commands;
    }

    record Baseline(boolean ok, String why) {}

    Baseline baseline(String session, String user) {
        CommandRunner.Result r = sh(session, user, GIT + "set -e; mkdir -p " + GIT_DIR + "; git init -q; git add -A; "
                + "git -c user.name=berth -c user.email=berth@localhost commit -q --allow-empty --no-verify -m base", 0);
        return r.succeeded() ? new Baseline(true, null)
                : new Baseline(false, "lines changed are not counted: " + r.tail().strip());
    }

    /** Counts the agent's lines changed into its record; unknown when there is no baseline. */
    void measure(AgentRun agent) {
        try {
            CommandRunner.Result r = sh(agent.session(), "system", GIT + "set -e; git add -A; git diff --cached --numstat", 1 << 20);
            if (!r.succeeded()) {
                agent.lines(null, null, null);
                return;
            }
            int added = 0;
            int removed = 0;
            for (String line : r.stdout().split("\n")) {
                String[] f = line.split("\t", 3);
                if (f.length == 3 && !f[0].equals("-")) { // "-": a binary file, no lines
                    added += Integer.parseInt(f[0]);
                    removed += Integer.parseInt(f[1]);
                }
            }
            agent.lines(added, removed, null);
        } catch (RuntimeException e) {
            agent.lines(null, null, null);
        }
    }

    /** The agent's changes as a patch {@code git apply} takes (binary files included). */
    String patch(String session, String user) {
        CommandRunner.Result r = sh(session, user, GIT + "set -e; git add -A; git diff --cached --binary --full-index", MAX_PATCH + 1);
        if (!r.succeeded()) {
            throw new ApiException(ErrorCode.SANDBOX_FAILED, "cannot make the patch of session " + session + ": "
                    + r.tail().strip());
        }
        if (r.stdout().length() > MAX_PATCH) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the patch of session " + session + " is over "
                    + (MAX_PATCH >> 20) + " MiB");
        }
        return r.stdout();
    }

    private CommandRunner.Result sh(String session, String user, String script, int keep) {
        return commands.run(session, new CommandRequest(null, List.of("/bin/sh", "-c", script), null, null, null, null,
                600L, true), user, cid -> { }, line -> { }, keep, () -> false);
    }
}
