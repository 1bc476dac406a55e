package dev.berth.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real terminal for the real CLI: a detached tmux session on a private server socket, typed on
 * with send-keys and read with capture-pane. Waits are on what the screen shows, never on time.
 */
final class Tmux implements AutoCloseable {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final String socket;
    private final String name;

    private Tmux(String socket, String name) {
        this.socket = socket;
        this.name = name;
    }

    static boolean available() {
        try {
            return new ProcessBuilder("tmux", "-V").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs {@code shellCommand} in a new {@code cols}x{@code rows} terminal. */
    static Tmux start(String name, int cols, int rows, String shellCommand) throws Exception {
        Tmux t = new Tmux("berth-e2e-" + ProcessHandle.current().pid(), name);
        t.tmux("new-session", "-d", "-s", name, "-x", Integer.toString(cols), "-y", Integer.toString(rows), shellCommand);
        return t;
    }

    /** Keys as tmux names them: literal text, or names such as Enter, Tab, C-c, C-]. */
    void send(String... keys) throws Exception {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", name));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    /** Literal text, then Enter. */
    void type(String line) throws Exception {
        tmux("send-keys", "-t", name, "-l", line);
        send("Enter");
    }

    /** Pastes a file's contents in one go, as a terminal does with the clipboard. */
    void pasteFile(java.nio.file.Path file) throws Exception {
        tmux("load-buffer", "-b", name, file.toString());
        tmux("paste-buffer", "-d", "-b", name, "-t", name);
    }

    void resize(int cols, int rows) throws Exception {
        tmux("resize-window", "-t", name, "-x", Integer.toString(cols), "-y", Integer.toString(rows));
    }

    /** The screen as text; with {@code escapes}, with its colours as escape sequences. */
    String screen(boolean escapes) throws Exception {
        return escapes ? tmux("capture-pane", "-p", "-e", "-t", name) : tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", name);
    }

    /** Waits until the screen (with its history) shows {@code text}; returns the screen. */
    String await(String text) {
        return awaitScreen(screen -> screen.contains(text), "show \"" + text + "\"");
    }

    /** Waits until the screen (with its history) matches the regular expression {@code regex}; returns it. */
    String awaitMatch(String regex) {
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
        return awaitScreen(screen -> pattern.matcher(screen).find(), "match /" + regex + "/");
    }

    private String awaitScreen(java.util.function.Predicate<String> done, String what) {
        AtomicReference<String> last = new AtomicReference<>("");
        try {
            org.awaitility.Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
                last.set(screen(false));
                return done.test(last.get());
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the terminal did not " + what + " in " + PATIENCE + "; it showed:\n" + last.get());
        }
        return last.get();
    }

    private String tmux(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-u", "-L", socket)); // -u: a UTF-8 terminal, whatever the locale
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tmux " + String.join(" ", args) + ": " + out);
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        try {
            tmux("kill-session", "-t", name);
        } catch (IOException alreadyGone) {
            // the program exited and took the session with it
        }
    }
}
