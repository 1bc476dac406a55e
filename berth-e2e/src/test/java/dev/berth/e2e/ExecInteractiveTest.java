package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code berth exec --it} in a real terminal (tmux): what a person at the keyboard sees. */
@Timeout(300)
class ExecInteractiveTest {
    @TempDir
    static Path data;

    static Cli cli;
    static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Tmux.available(), "tmux is not installed (.ci/run installs it)");
        cli = new Cli(data, Map.of());
        server = ServerProcess.start(cli, data, 0, "--output-buffer", "64k"); // small, so that a replay can outrun it
        cli.assumeSandboxes();
        assertThat(cli.run("session", "create", "tty").exit()).isZero();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            cli.run("session", "rm", "tty");
            server.close();
        }
    }

    /** The CLI in a terminal, then its exit status on the screen once it is done. */
    private static String berth(String args) {
        return "BERTH_DIST=" + Cli.DIST + " " + Cli.ROOT.resolve("berth") + " --home " + data + " " + args
                + "; echo berth-exit=$?; sleep 600";
    }

    @Test
    void aShellThatFeelsLocal() throws Exception {
        try (Tmux t = Tmux.start("shell", 100, 30, berth("exec --it tty"))) {
            t.await("root@tty:/mnt/workspace#");
            // colours reach the terminal
            t.type("ls --color=always /usr");
            t.await("share");
            assertThat(t.screen(true)).contains("\u001b[");
            // Tab completes a file name
            t.type("touch uniquefilename.txt; clear");
            t.send("l", "s", " ", "u", "n", "i", "q", "Tab");
            t.await("ls uniquefilename.txt");
            t.send("Enter");
            // Ctrl+C stops the foreground job; the shell lives on
            // (once the line runs: a Ctrl+C that comes while the shell still reads it flushes the typed line)
            t.type("echo sleeping-$((6*7)); sleep 100");
            t.await("sleeping-42");
            t.send("C-c");
            t.type("echo alive-$((40+2))");
            t.await("alive-42");
            // the window size follows the terminal
            t.type("stty size");
            t.await("30 100");
            t.resize(120, 40);
            t.type("clear; stty size");
            t.await("40 120");
            // a full-screen editor opens, edits and saves
            t.type("vim note.txt");
            t.await("\"note.txt\" [New]"); // vim's own status line, not the echo of the command
            t.send("i", "hello from vim", "Escape", ":wq", "Enter");
            // vim reads what is typed while it leaves (pending terminal answers), as it would in any terminal:
            // type the next line only once the shell's prompt is back under the command
            t.awaitMatch("# vim note\\.txt\\s*\\n[^\\n]*root@tty:/mnt/workspace# \\s*$");
            t.type("clear; cat note.txt | tr a-z A-Z");
            t.await("HELLO FROM VIM");
            // the program's exit status is the CLI's
            t.type("exit 5");
            t.await("berth-exit=5");
        }
        assertThat(cli.run("run", "tty", "--", "cat", "/mnt/workspace/note.txt").stdout()).isEqualTo("hello from vim\n");
    }

    @Test
    void jobControlWideCharactersAndCtrlD() throws Exception {
        try (Tmux t = Tmux.start("jobs", 100, 30, berth("exec --it -e PS1=ready: tty -- bash --norc -i"))) {
            t.await("ready:");
            // Ctrl+Z stops the foreground job, fg brings it back, Ctrl+C ends it
            t.type("(for i in $(seq 1000); do echo tick-$i; sleep 0.2; done)"); // one process: one job
            t.await("tick-2\n");
            t.send("C-z");
            t.await("Stopped");
            t.type("fg");
            t.awaitMatch("(?s)ready:fg\\n.*\\ntick-\\d+\\n"); // ticking again, after the fg
            t.send("C-c");
            // UTF-8, wide characters included, both ways
            t.type("echo 日本語-$((1+1)) → ok");
            t.await("日本語-2 → ok");
            t.send("C-d"); // end of input: the shell exits, and so does the CLI, with its status
            t.await("berth-exit=0");
        }
    }

    @Test
    void hostileBytesOnOneTerminalHarmNoOther() throws Exception {
        // random bytes (invalid UTF-8, every control character), then escape sequences that move, clear,
        // retitle and reset the terminal: the client passes them on and neither it nor the other terminal suffers
        // (CAN and ST end whatever string sequence the random bytes opened, so that the last line shows)
        String noise = "head -c 1000000 /dev/urandom\n"
                + "printf '\\030\\033\\\\\\033[999;999H\\033[2J\\377\\376\\033]0;x\\007\\033[?1049l\\033[0m\\033c'\n"
                + "echo; echo noise-done\nexec sleep 600\n";
        Cli.Result written = cli.run(noise.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "run", "-i", "tty", "--", "sh", "-c", "cat > /mnt/workspace/noise.sh");
        assertThat(written.exit()).as(written.stderr()).isZero();
        try (Tmux calm = Tmux.start("calm", 100, 30, berth("exec --it tty"));
                Tmux noisy = Tmux.start("noisy", 100, 30, berth("exec --it tty -- sh /mnt/workspace/noise.sh"))) {
            calm.await("root@tty:/mnt/workspace#");
            noisy.await("noise-done");
            calm.type("echo calm-$((2*21))");
            calm.await("calm-42");
            noisy.send("C-c");
            noisy.await("berth-exit=130");
            calm.type("exit");
            calm.await("berth-exit=0");
        }
    }

    @Test
    void detachAndComeBackFromAnotherClient() throws Exception {
        String id;
        try (Tmux first = Tmux.start("first", 100, 30,
                berth("exec --it tty -- sh -c 'i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.1; done'"))) {
            first.await("tick-3\n");
            first.send("C-]");
            String screen = first.await("berth-exit=0");
            Matcher m = Pattern.compile("--tty (c-[a-z0-9]+)").matcher(screen);
            assertThat(m.find()).as(screen).isTrue();
            id = m.group(1);
        }
        Cli.Result ls = cli.run("tty", "ls", "tty");
        assertThat(ls.stdout()).as(ls.stderr()).startsWith("ID").contains(id).contains("sh -c");
        try (Tmux second = Tmux.start("second", 100, 30, berth("exec --it tty --tty " + id))) {
            // what it printed while nobody watched, then it goes on; ^C ends it (128 + SIGINT)
            String screen = second.await("tick-40\n");
            assertThat(screen).doesNotContain("berth: ");
            second.send("C-c");
            second.await("berth-exit=130");
        }
        assertThat(cli.run("tty", "ls", "tty").stdout()).doesNotContain(id);
    }

    @Test
    void severalClientsAtOnceShareOneTerminal() throws Exception {
        try (Tmux first = Tmux.start("one", 100, 30, berth("exec --it -e PS1=ready: tty -- bash --norc -i"))) {
            first.await("ready:"); // bash drops what was typed before it started reading
            first.type("echo first-$((1+1))");
            first.await("first-2");
            Cli.Result ls = cli.run("tty", "ls", "tty");
            Matcher m = Pattern.compile("(c-[a-z0-9]+) .*bash --norc").matcher(ls.stdout());
            assertThat(m.find()).as(ls.stdout()).isTrue();
            try (Tmux second = Tmux.start("two", 100, 30, berth("exec --it tty --tty " + m.group(1)));
                    Tmux third = Tmux.start("three", 100, 30, berth("exec --it --detach-key ctrl-x tty --tty " + m.group(1)))) {
                second.await("first-2"); // what was printed before it came
                third.await("first-2");
                second.type("echo second-$((2+2))");
                first.await("second-4"); // typed in one, seen in all
                second.await("second-4");
                third.await("second-4");
                third.send("C-x"); // its own detach key: it leaves, the others stay
                third.await("berth: detached");
                third.await("berth-exit=0");
                first.type("exit 4");
                first.await("berth-exit=4");
                second.await("berth-exit=4");
            }
        }
    }

    @Test
    void aHugePasteArrivesWhole() throws Exception {
        // 1 MiB in 16384 lines, pasted in one go into a program on the terminal (echo off: the paste, not its echo)
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < (1 << 20); i++) {
            text.append(String.format("%08d-", i)).append("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQR\n");
        }
        Path paste = data.resolve("paste.txt");
        java.nio.file.Files.writeString(paste, text);
        try (Tmux t = Tmux.start("paste", 100, 30, berth("exec --it tty -- sh -c 'stty -echo; echo ready-$((2*3)); cat > /mnt/workspace/paste.txt; echo pasted-$((5*5))'"))) {
            t.await("ready-6");
            t.pasteFile(paste);
            t.send("C-d");
            t.await("pasted-25");
            t.await("berth-exit=0");
        }
        Cli.Result sum = cli.run("run", "tty", "--", "sha256sum", "/mnt/workspace/paste.txt");
        assertThat(sum.stdout()).startsWith(sha256(text.toString()));
    }

    @Test
    void aReplayPastTheBufferSaysWhatWasTrimmedAndRedraws() throws Exception {
        // ~6.9 MB of output while nobody is attached, more than the server keeps (the output log is trimmed a
        // 4 MiB segment at a time); the program prints a line whenever its window size changes
        String program = "sh -c 'trap \"echo winched-\\$((3*3))\" WINCH; echo ready-$((1+1)); sleep 3;"
                + " seq 1 1000000 >/dev/tty; echo done-$((2*4)); while :; do sleep 0.1; done'";
        String id;
        try (Tmux first = Tmux.start("big", 100, 30, berth("exec --it tty -- " + program))) {
            first.await("ready-2");
            first.send("C-]");
            Matcher m = Pattern.compile("--tty (c-[a-z0-9]+)").matcher(first.await("berth-exit=0"));
            assertThat(m.find()).isTrue();
            id = m.group(1);
        }
        String tty = id;
        await().atMost(java.time.Duration.ofSeconds(60)).until(() -> printed(tty) > 7_000_000); // seq is done
        // Berth's notices to a file here: the replay that follows would scroll it out of tmux's history
        Path notices = data.resolve("trimmed.err");
        try (Tmux second = Tmux.start("again", 100, 30, berth("exec --it tty --tty " + id + " 2>" + notices))) {
            second.await("done-8"); // the end of what was kept
            second.await("winched-9"); // the redraw: a size change the program saw
            assertThat(java.nio.file.Files.readString(notices)).containsPattern(
                    "berth: \\d+ bytes of output were trimmed from the server's buffer before they reached this terminal");
            second.send("C-c");
            second.await("berth-exit=130");
        }
    }

    /** How many bytes a terminal program has printed, as {@code tty ls --json} says. */
    private static long printed(String id) throws Exception {
        String json = cli.run("tty", "ls", "tty", "--json").stdout();
        Matcher m = Pattern.compile("\\{[^{}]*\"id\"\\s*:\\s*\"" + id + "\"[^{}]*\\}").matcher(json);
        if (!m.find()) {
            return -1;
        }
        Matcher end = Pattern.compile("\"endOffset\"\\s*:\\s*(\\d+)").matcher(m.group());
        return end.find() ? Long.parseLong(end.group(1)) : -1;
    }

    private static String sha256(String s) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(d);
    }
}
