package dev.berth.sandbox.namespaces.routed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.sandbox.spi.SandboxNetwork.Destination;
import dev.berth.sandbox.spi.SandboxNetwork.RoutedNetwork;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Routed networking for the namespaces driver (docs/network.md): a veth per sandbox whose host end
 * lives in the host-side network namespace, the {@code inet berth} nft table that filters it, and
 * a poller that reports what the table denied.
 *
 * <p>Everything it runs goes to the host side configured in {@link RoutedConfig#hostNetns()} or
 * into a sandbox's own network namespace, nowhere else.
 */
public final class RoutedNetworks {
    private static final System.Logger LOG = System.getLogger(RoutedNetworks.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DENIED_FILE = "routed.denied";
    /** The sandbox's end of the veth, inside its network namespace. */
    public static final String SANDBOX_IFACE = "eth0";

    private final RoutedConfig config;
    private final NetnsCommands commands;
    private final DeniedListener listener;
    private final Map<String, Attached> attached = new ConcurrentHashMap<>(); // by host end
    private boolean forwarding;
    private ScheduledExecutorService poller;

    public RoutedNetworks(RoutedConfig config, DeniedListener listener) {
        this.config = config;
        this.commands = new NetnsCommands(config.hostNetns());
        this.listener = listener;
    }

    /** A routed sandbox known to this process: what its rules are made from, and what was reported. */
    private static final class Attached {
        final String sessionId;
        final Path stateDir;
        final RoutedLink link;
        final List<Destination> allow;
        final Map<String, Long> reported;

        Attached(String sessionId, Path stateDir, RoutedLink link, List<Destination> allow, Map<String, Long> reported) {
            this.sessionId = sessionId;
            this.stateDir = stateDir;
            this.link = link;
            this.allow = allow;
            this.reported = reported;
        }
    }

    /** An interface on the host side: its name, alias and IPv4 addresses. */
    private record HostLink(String name, String alias, List<Integer> addresses) {}

    /**
     * Gives the sandbox whose init is {@code initPid} its veth and rules. {@code fresh} for a sandbox
     * just started (it gets a new veth); otherwise (re-adoption) the recorded veth is kept if it is
     * still there and only the rules are rewritten from {@code network}.
     */
    public synchronized RoutedLink attach(String sessionId, Path stateDir, long initPid, RoutedNetwork network,
            boolean fresh) throws IOException {
        for (Destination d : network.allow()) {
            Ipv4Cidr.parse(d.cidr(), true); // refused before anything is made
        }
        String tag = tag(sessionId);
        Map<String, HostLink> links = hostLinks();
        Optional<RoutedLink> recorded = RoutedLink.read(stateDir);
        RoutedLink link;
        boolean create;
        if (!fresh && recorded.isPresent() && links.containsKey(recorded.get().iface())
                && tag.equals(links.get(recorded.get().iface()).alias())) {
            link = recorded.get();
            create = false;
        } else {
            // a new sandbox never inherits a veth an earlier one of the same session left behind
            for (HostLink l : List.copyOf(links.values())) {
                if (tag.equals(l.alias())) {
                    deleteLink(l.name());
                    commands.host(NftRules.remove(l.name()), "nft", "-f", "-");
                    links.remove(l.name());
                }
            }
            link = allocate(sessionId, links, recorded);
            create = true;
        }
        if (fresh) {
            Files.deleteIfExists(stateDir.resolve(DENIED_FILE));
        }
        link.write(stateDir); // before anything is made, so that a clean-up finds it all
        // the rules first: the veth never exists unfiltered
        commands.host(NftRules.ensure(link, config.pool(), network.allow(), fresh), "nft", "-f", "-");
        if (create) {
            createVeth(link, tag, initPid);
        }
        if (!forwarding) {
            commands.host(null, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            forwarding = true;
        }
        attached.put(link.iface(), new Attached(sessionId, stateDir, link, network.allow(), readReported(stateDir)));
        startPoller();
        return link;
    }

    /**
     * Removes a sandbox's veth and rules (after a destroy, or for the remains of a crashed one);
     * idempotent, and harmless for a sandbox that never was routed.
     */
    public synchronized void detach(String sessionId, Path stateDir) throws IOException {
        Optional<RoutedLink> recorded = RoutedLink.read(stateDir);
        if (recorded.isEmpty()) {
            return;
        }
        String iface = recorded.get().iface();
        Attached current = attached.get(iface);
        HostLink host = hostLinks().get(iface);
        boolean ours = (current == null || current.sessionId.equals(sessionId))
                && (host == null || tag(sessionId).equals(host.alias()));
        if (ours) { // else the name went to another sandbox since: its veth and rules stay
            if (host != null) {
                deleteLink(iface);
            }
            commands.host(NftRules.remove(iface), "nft", "-f", "-");
            attached.remove(iface);
        }
        RoutedLink.delete(stateDir);
        Files.deleteIfExists(stateDir.resolve(DENIED_FILE));
    }

    /** The link a sandbox was given, if it has one. */
    public static Optional<RoutedLink> linkOf(Path stateDir) {
        return RoutedLink.read(stateDir);
    }

    private RoutedLink allocate(String sessionId, Map<String, HostLink> links, Optional<RoutedLink> recorded)
            throws IOException {
        String iface = null;
        if (recorded.isPresent() && !links.containsKey(recorded.get().iface())) {
            iface = recorded.get().iface();
        }
        for (int n = 0; iface == null && n < 100; n++) {
            String candidate = "bv" + HexFormat.of().formatHex(digest(n == 0 ? sessionId : sessionId + "#" + n), 0, 4);
            if (!links.containsKey(candidate) && !attached.containsKey(candidate)) {
                iface = candidate;
            }
        }
        if (iface == null) {
            throw new IOException("no free interface name for " + sessionId);
        }
        List<Integer> used = new ArrayList<>();
        links.values().forEach(l -> used.addAll(l.addresses()));
        attached.values().forEach(a -> used.add(a.link.subnet().address()));
        if (recorded.isPresent() && config.pool().overlaps(recorded.get().subnet()) && free(recorded.get().subnet(), used)) {
            return new RoutedLink(iface, recorded.get().subnet());
        }
        long slots = config.pool().size() / 4;
        byte[] h = digest(sessionId);
        long start = Integer.toUnsignedLong((h[4] & 255) << 24 | (h[5] & 255) << 16 | (h[6] & 255) << 8 | (h[7] & 255));
        for (long k = 0; k < slots; k++) {
            Ipv4Cidr subnet = new Ipv4Cidr(config.pool().at(((start + k) % slots) * 4), 30);
            if (free(subnet, used)) {
                return new RoutedLink(iface, subnet);
            }
        }
        throw new IOException("the routed address pool " + config.pool() + " is full");
    }

    private static boolean free(Ipv4Cidr subnet, List<Integer> used) {
        return used.stream().noneMatch(subnet::contains);
    }

    private void createVeth(RoutedLink link, String tag, long initPid) throws IOException {
        String i = link.iface();
        commands.host("link add " + i + " type veth peer name " + SANDBOX_IFACE + " netns " + initPid + "\n"
                + "link set " + i + " alias " + tag + "\n"
                + "addr add " + link.hostAddress() + "/30 dev " + i + "\n"
                + "link set " + i + " up\n", "ip", "-batch", "-");
        commands.sandbox(initPid, "addr add " + link.sandboxAddress() + "/30 dev " + SANDBOX_IFACE + "\n"
                + "link set " + SANDBOX_IFACE + " up\n"
                + "route add default via " + link.hostAddress() + "\n", "ip", "-batch", "-");
    }

    private void deleteLink(String iface) throws IOException {
        try {
            commands.host(null, "ip", "link", "del", "dev", iface);
        } catch (IOException e) {
            if (!e.getMessage().contains("Cannot find device")) { // gone with its sandbox's netns meanwhile
                throw e;
            }
        }
    }

    private Map<String, HostLink> hostLinks() throws IOException {
        Map<String, HostLink> links = new LinkedHashMap<>();
        for (JsonNode l : JSON.readTree(commands.host(null, "ip", "-j", "-d", "addr", "show"))) {
            List<Integer> addresses = new ArrayList<>();
            for (JsonNode a : l.path("addr_info")) {
                if (a.path("family").asText().equals("inet") && a.path("local").isTextual()) {
                    try {
                        addresses.add(Ipv4Cidr.parse(a.path("local").asText(), false).address());
                    } catch (IllegalArgumentException e) {
                        // not an address ip would print: nothing of ours
                    }
                }
            }
            String name = l.path("ifname").asText();
            links.put(name, new HostLink(name, l.path("ifalias").asText(null), addresses));
        }
        return links;
    }

    /** What a host end's alias says: which session it belongs to (ids that ip could misread are hashed). */
    static String tag(String sessionId) {
        return sessionId.matches("[A-Za-z0-9._-]{1,200}") ? "berth:" + sessionId
                : "berth:sha256:" + HexFormat.of().formatHex(digest(sessionId));
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void startPoller() {
        if (poller == null) {
            poller = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("berth-routed-denied").factory());
            long ms = config.pollInterval().toMillis();
            poller.scheduleWithFixedDelay(this::pollQuietly, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the denied destinations of routed sandboxes: " + e.getMessage());
        }
    }

    /** One round: reports what each set counted since the last round, and restores rules found missing. */
    void poll() throws IOException {
        if (attached.isEmpty()) {
            return;
        }
        Map<String, Map<DeniedSets.Entry, Long>> sets = DeniedSets.parse(commands.host(null, "nft", "-j", "list", "sets", "inet"));
        for (Attached a : attached.values()) {
            if (!RoutedLink.read(a.stateDir).equals(Optional.of(a.link))) {
                attached.remove(a.link.iface(), a); // detached elsewhere (another driver, a clean-up): not ours to keep
                continue;
            }
            Map<DeniedSets.Entry, Long> counts = sets.get(a.link.iface());
            if (counts == null) {
                restore(a);
                continue;
            }
            List<DeniedConnection> fresh = new ArrayList<>();
            counts.forEach((entry, packets) -> {
                Long before = a.reported.get(entry.key());
                long since = before == null || packets < before ? 0 : before; // smaller: the set was made anew
                if (packets > since) {
                    fresh.add(new DeniedConnection(a.sessionId, entry.protocol(), entry.address(), entry.port(),
                            packets - since, before == null));
                    a.reported.put(entry.key(), packets);
                }
            });
            if (!fresh.isEmpty()) {
                writeReported(a);
                for (DeniedConnection d : fresh) {
                    try {
                        listener.denied(d);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "the denied-connection listener failed: " + e);
                    }
                }
            }
        }
    }

    private synchronized void restore(Attached a) throws IOException {
        if (attached.get(a.link.iface()) == a) {
            LOG.log(System.Logger.Level.WARNING, "the nft rules of routed sandbox " + a.sessionId + " were missing: restoring them");
            commands.host(NftRules.ensure(a.link, config.pool(), a.allow, false), "nft", "-f", "-");
        }
    }

    private static Map<String, Long> readReported(Path stateDir) {
        Map<String, Long> reported = new ConcurrentHashMap<>();
        try {
            for (String line : Files.readAllLines(stateDir.resolve(DENIED_FILE))) {
                int at = line.lastIndexOf(' ');
                if (at > 0) {
                    reported.put(line.substring(0, at), Long.parseLong(line.substring(at + 1)));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // nothing reported yet
        }
        return reported;
    }

    /** What was reported survives a server restart, so that a re-adopted sandbox's denials are not told twice. */
    private static void writeReported(Attached a) throws IOException {
        StringBuilder s = new StringBuilder();
        a.reported.forEach((k, v) -> s.append(k).append(' ').append(v).append('\n'));
        Path tmp = a.stateDir.resolve(DENIED_FILE + ".tmp");
        Files.writeString(tmp, s, StandardCharsets.UTF_8);
        Files.move(tmp, a.stateDir.resolve(DENIED_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
