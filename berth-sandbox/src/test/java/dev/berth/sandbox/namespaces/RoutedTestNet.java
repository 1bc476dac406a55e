package dev.berth.sandbox.namespaces;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces a test makes for itself, so that routed networking never touches the
 * machine's own: {@code HOST} (where the driver puts its veths and nft table) and {@code WORLD}
 * (everything beyond), joined by a veth on 198.51.100.0/24 (TEST-NET-2). The world answers on
 * 198.51.100.2 and .3, TCP 8080 and 8081 (it says {@code world PORT}) and UDP 5300 and 5301 (it
 * echoes); the host side runs its own service on 0.0.0.0:9090, which sandboxes must never reach.
 */
final class RoutedTestNet implements AutoCloseable {
    static final String HOST_SIDE = "198.51.100.1";
    static final String WORLD_A = "198.51.100.2";
    static final String WORLD_B = "198.51.100.3";

    private static final String SERVER = """
            import socket, sys, threading
            name = sys.argv[1]
            socks = []
            for spec in sys.argv[2:]:
                proto, port = spec.split(":")
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", int(port)))
                if proto == "tcp":
                    s.listen(16)
                socks.append((proto, int(port), s))
            def tcp(port, s):
                while True:
                    c, peer = s.accept()
                    print(f"tcp {c.getsockname()[0]}:{port} from {peer[0]}", flush=True)
                    c.sendall(f"{name} {port}\\n".encode())
                    c.close()
            def udp(port, s):
                while True:
                    data, peer = s.recvfrom(2048)
                    print(f"udp {port} from {peer[0]}", flush=True)
                    s.sendto(data + f" {name} {port}".encode(), peer)
            for proto, port, s in socks:
                threading.Thread(target=tcp if proto == "tcp" else udp, args=(port, s), daemon=True).start()
            print("ready", flush=True)
            threading.Event().wait()
            """;

    final String host;
    final String world;
    private final Path script;
    private final List<Process> servers = new ArrayList<>();
    final List<String> worldLog = new CopyOnWriteArrayList<>();
    final List<String> hostLog = new CopyOnWriteArrayList<>();

    private RoutedTestNet(String prefix, Path script) {
        this.host = prefix + "-host";
        this.world = prefix + "-world";
        this.script = script;
    }

    static RoutedTestNet create() throws Exception {
        String prefix = "berth-t-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 4);
        Path script = Files.createTempFile("berth-routed-server", ".py");
        Files.writeString(script, SERVER);
        RoutedTestNet net = new RoutedTestNet(prefix, script);
        try {
            sh("ip", "netns", "add", net.host);
            sh("ip", "netns", "add", net.world);
            // made inside HOST (ip -n enters it first): the machine's own namespace never sees the pair
            sh("ip", "-n", net.host, "link", "add", "up0", "type", "veth", "peer", "name", "w0", "netns", net.world);
            sh("ip", "-n", net.host, "addr", "add", HOST_SIDE + "/24", "dev", "up0");
            sh("ip", "-n", net.host, "link", "set", "up0", "up");
            sh("ip", "-n", net.host, "link", "set", "lo", "up");
            sh("ip", "-n", net.world, "addr", "add", WORLD_A + "/24", "dev", "w0");
            sh("ip", "-n", net.world, "addr", "add", WORLD_B + "/24", "dev", "w0");
            sh("ip", "-n", net.world, "link", "set", "w0", "up");
            sh("ip", "-n", net.world, "link", "set", "lo", "up");
            net.serve(net.world, "world", net.worldLog, "tcp:8080", "tcp:8081", "udp:5300", "udp:5301");
            net.serve(net.host, "host", net.hostLog, "tcp:9090");
        } catch (Exception e) {
            net.close();
            throw e;
        }
        return net;
    }

    Path hostNetns() {
        return Path.of("/run/netns", host);
    }

    private void serve(String netns, String name, List<String> log, String... sockets) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns, "/usr/bin/python3", "-u",
                script.toString(), name));
        cmd.addAll(List.of(sockets));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        servers.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"ready".equals(first)) {
            throw new IOException(name + " server did not start: " + first);
        }
        Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    log.add(line);
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

    /** Runs {@code argv} in the host-side namespace. */
    String inHost(String... argv) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", host));
        cmd.addAll(List.of(argv));
        return sh(cmd.toArray(String[]::new));
    }

    @Override
    public void close() throws Exception {
        for (Process p : servers) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (String ns : List.of(world, host)) {
            if (Files.exists(Path.of("/run/netns", ns))) {
                sh("ip", "netns", "del", ns);
            }
        }
        Files.deleteIfExists(script);
    }
}
