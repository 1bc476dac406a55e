package dev.berth.server.sessions;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.SessionState;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.sandbox.workspace.WorkspaceImage;
import dev.berth.sandbox.workspace.WorkspaceTree;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Forks a session: new sessions whose workspaces are copies of the source's at one instant. The
 * copies are taken while the source is quiesced once for all of them: a workspace image's file
 * system is frozen (its writers block, its processes keep running), a plain directory's sandbox is
 * paused (its processes are frozen). A stopped source needs neither. Images are cloned where the
 * host's file system has reflinks (O(metadata)), else copied sparsely; plain directories by
 * {@code cp -a --reflink=auto}.
 */
final class SessionForks {
    private static final System.Logger LOG = System.getLogger(SessionForks.class.getName());

    private final Store store;
    private final SessionDirs dirs;
    private final SessionLifecycle lifecycle;

    SessionForks(Store store, SessionDirs dirs, SessionLifecycle lifecycle) {
        this.store = store;
        this.dirs = dirs;
        this.lifecycle = lifecycle;
    }

    /**
     * Stores, copies and starts every copy; on any failure removes those made and throws. Call
     * holding the source's and every copy's lock.
     *
     * @return the copies, running
     */
    List<SessionRecord> fork(SessionRecord source, List<SessionRecord> copies) {
        List<SessionRecord> made = new ArrayList<>();
        try {
            for (SessionRecord c : copies) {
                if (!store.insertSession(c)) {
                    throw new ApiException(ErrorCode.SESSION_EXISTS, "session " + c.id() + " already exists");
                }
                made.add(c);
            }
            long began = System.nanoTime();
            String how = copyWorkspaces(source, copies);
            LOG.log(System.Logger.Level.INFO, "forked {0} into {1} ({2}, {3} ms)", source.id(),
                    copies.stream().map(SessionRecord::id).toList(), how, (System.nanoTime() - began) / 1_000_000);
            List<SessionRecord> started = new ArrayList<>();
            for (SessionRecord c : copies) {
                started.add(lifecycle.start(c));
            }
            return started;
        } catch (RuntimeException e) {
            discard(made, e);
            throw e;
        } catch (IOException e) {
            discard(made, e);
            throw new ApiException(ErrorCode.SANDBOX_FAILED, "cannot copy the workspace of " + source.id() + ": "
                    + e.getMessage());
        }
    }

    /** Copies the source's workspace for each copy from one quiesced instant; says how. */
    private String copyWorkspaces(SessionRecord source, List<SessionRecord> copies) throws IOException {
        boolean running = source.state() == SessionState.RUNNING && lifecycle.isUp(source.id());
        if (source.diskQuotaBytes() > 0) {
            WorkspaceImage from = dirs.image(source.id());
            // frozen only while mounted: a stopped session's image is already still
            try (WorkspaceImage.Frozen frozen = from.freeze()) {
                String how = null;
                for (SessionRecord c : copies) {
                    how = from.copyTo(dirs.image(c.id())) == WorkspaceImage.Copy.REFLINK ? "reflink" : "sparse copy";
                }
                return "image " + how + (running ? ", frozen" : "");
            }
        }
        Path from = dirs.session(source.id()).resolve("workspace");
        Sandbox.Paused paused = running ? pause(source) : () -> { };
        try (paused) {
            for (SessionRecord c : copies) {
                WorkspaceTree.copy(from, dirs.session(c.id()).resolve("workspace"));
            }
        }
        return "directory copy" + (running ? ", paused" : "");
    }

    private Sandbox.Paused pause(SessionRecord source) {
        Sandbox sandbox = lifecycle.sandbox(source.id()).orElseThrow();
        try {
            return sandbox.pause();
        } catch (SandboxException e) {
            throw new ApiException(ErrorCode.SANDBOX_FAILED, "cannot fork running session " + source.id()
                    + ": " + e.getMessage() + "; stop it first to fork it");
        }
    }

    private void discard(List<SessionRecord> made, Exception cause) {
        for (SessionRecord c : made) {
            try {
                lifecycle.discard(c);
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
                LOG.log(System.Logger.Level.WARNING, "cannot remove half-made fork " + c.id() + ": " + e.getMessage());
            }
        }
    }
}
