package dev.berth.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Two network namespaces a test makes for itself, so that a whole server's routed networking never
 * touches the machine's own: {@code HOST}, where the test runs {@code berth serve} (so the driver's
 * own namespace, which gets the sandboxes' veths and the nft table, is this one), and {@code WORLD},
 * everything beyond, joined to it by a veth on 198.51.100.0/24 (TEST-NET-2). The world answers on
 * 198.51.100.2 and .3, TCP 8080 and 8081, with {@code world PORT}, and logs who came.
 *
 * <p>HOST needs no default route: the world is on its link, and the driver masquerades what
 * sandboxes send out, so the world answers 198.51.100.1 and needs no route back either.
 */
final class RoutedWorld implements AutoCloseable {
    static final String HOST_SIDE = "198.51.100.1";
    static final String WORLD_A = "198.51.100.2";
    static final String WORLD_B = "198.51.100.3";

    private static final String SERVER = """
            import socket, sys, threading
            def serve(port):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", port))
                s.listen(16)
                return s
            def answer(port, s):
                while True:
                    c, peer = s.accept()
                    print(f"tcp {c.getsockname()[0]}:{port} from {peer[0]}", flush=True)
                    c.sendall(f"world {port}\\n".encode())
                    c.close()
            for port in map(int, sys.argv[1:]):
                threading.Thread(target=answer, args=(port, serve(port)), daemon=True).start()
            print("ready", flush=True)
            threading.Event().wait()
            """;

    final String host;
    final String world;
    /** What the world's servers saw: {@code tcp ADDR:PORT from PEER}, a line per connection. */
    final List<String> worldLog = new CopyOnWriteArrayList<>();
    private final Path script;
    private Process server;

    private RoutedWorld(String prefix, Path script) {
        this.host = prefix + "-host";
        this.world = prefix + "-world";
        this.script = script;
    }

    static RoutedWorld create() throws Exception {
        String prefix = "berth-t-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 4);
        Path script = Files.createTempFile("berth-world", ".py");
        Files.writeString(script, SERVER);
        RoutedWorld net = new RoutedWorld(prefix, script);
        try {
            sh("ip", "netns", "add", net.host);
            sh("ip", "netns", "add", net.world);
            // made inside HOST (ip -n enters it first): the machine's own namespace never sees the pair
            sh("ip", "-n", net.host, "link", "add", "up0", "type", "veth", "peer", "name", "w0", "netns", net.world);
            sh("ip", "-n", net.host, "addr", "add", HOST_SIDE + "/24", "dev", "up0");
            sh("ip", "-n", net.host, "link", "set", "up0", "up");
            sh("ip", "-n", net.host, "link", "set", "lo", "up"); // the server listens on HOST's 127.0.0.1
            sh("ip", "-n", net.world, "addr", "add", WORLD_A + "/24", "dev", "w0");
            sh("ip", "-n", net.world, "addr", "add", WORLD_B + "/24", "dev", "w0");
            sh("ip", "-n", net.world, "link", "set", "w0", "up");
            sh("ip", "-n", net.world, "link", "set", "lo", "up");
            net.serve("8080", "8081");
        } catch (Exception e) {
            net.close();
            throw e;
        }
        return net;
    }

    Path hostNetns() {
        return Path.of("/run/netns", host);
    }

    private void serve(String... ports) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", world, "/usr/bin/python3", "-u", script.toString()));
        cmd.addAll(List.of(ports));
        server = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"ready".equals(first)) {
            throw new IOException("the world's server did not start: " + first);
        }
        Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    worldLog.add(line);
                }
            } catch (IOException ignored) {
                // the server was stopped
            }
        });
    }

    /** Runs a command, returns its stdout; fails on a non-zero exit. */
    static String sh(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + out);
        }
        return out;
    }

    /** Runs {@code argv} in HOST. */
    String inHost(String... argv) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + hostNetns(), "--"));
        cmd.addAll(List.of(argv));
        return sh(cmd.toArray(String[]::new));
    }

    /** Interface names in {@code ip -br link} output (a veth's {@code @peer} dropped). */
    static Set<String> linkNames(String brief) {
        return Arrays.stream(brief.split("\n")).filter(l -> !l.isBlank())
                .map(l -> l.split("\\s+")[0].replaceAll("@.*", "")).collect(Collectors.toSet());
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (String ns : List.of(world, host)) {
            if (Files.exists(Path.of("/run/netns", ns))) {
                sh("ip", "netns", "del", ns);
            }
        }
        Files.deleteIfExists(script);
    }
}
