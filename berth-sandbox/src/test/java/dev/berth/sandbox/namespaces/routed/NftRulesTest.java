package dev.berth.sandbox.namespaces.routed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.sandbox.spi.SandboxNetwork.Destination;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class NftRulesTest {
    private static final RoutedLink LINK = new RoutedLink("bv0a0b0c0d", Ipv4Cidr.parse("10.231.0.4/30", false));
    private static final List<Destination> ALLOW = List.of(
            new Destination("198.51.100.0/24", "tcp", 443, 443),
            new Destination("203.0.113.9", "udp", 5000, 5100),
            new Destination("192.0.2.0/24", "tcp", 1, 65535));

    @Test
    void theAllowListBecomesTheSandboxsOwnChain() {
        String script = NftRules.ensure(LINK, RoutedConfig.DEFAULT_POOL, ALLOW, true);
        assertThat(script).contains(
                "add rule inet berth bv0a0b0c0d_in ip saddr != 10.231.0.6 drop\n",
                "add rule inet berth bv0a0b0c0d_out ip daddr 10.231.0.0/16 goto bv0a0b0c0d_deny\n"
                        + "add rule inet berth bv0a0b0c0d_out ip daddr 198.51.100.0/24 tcp dport 443-443 accept\n"
                        + "add rule inet berth bv0a0b0c0d_out ip daddr 203.0.113.9/32 udp dport 5000-5100 accept\n"
                        + "add rule inet berth bv0a0b0c0d_out ip daddr 192.0.2.0/24 meta l4proto tcp accept\n"
                        + "add rule inet berth bv0a0b0c0d_out goto bv0a0b0c0d_deny\n",
                "flush set inet berth bv0a0b0c0d_denied\n");
        assertThat(NftRules.ensure(LINK, RoutedConfig.DEFAULT_POOL, ALLOW, false)).doesNotContain("flush set");
    }

    @Test
    void aDestinationIsNeverPastedIntoTheScriptUnchecked() {
        List<Destination> evil = List.of(new Destination("0.0.0.0/0 accept; flush ruleset", "tcp", 1, 2));
        assertThatThrownBy(() -> NftRules.ensure(LINK, RoutedConfig.DEFAULT_POOL, evil, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** nft itself accepts every script, in a network namespace made for the check. */
    @Test
    void nftAcceptsTheScripts() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nft")) && Files.isExecutable(Path.of("/usr/sbin/ip")),
                "nft and ip are needed (scripts/test-deps)");
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"), "needs root");
        String ns = "berth-t-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 4) + "-nft";
        assertThat(run("ip", "netns", "add", ns)).isZero();
        try {
            NetnsCommands host = new NetnsCommands(Path.of("/run/netns", ns));
            host.host(NftRules.remove(LINK.iface()), "nft", "-f", "-"); // nothing there yet: no error
            host.host(NftRules.ensure(LINK, RoutedConfig.DEFAULT_POOL, ALLOW, true), "nft", "-f", "-");
            host.host(NftRules.ensure(LINK, RoutedConfig.DEFAULT_POOL, ALLOW, false), "nft", "-f", "-"); // again
            assertThat(host.host(null, "nft", "list", "chain", "inet", "berth", "forward"))
                    .containsOnlyOnce("iifname vmap @egress");
            host.host(NftRules.remove(LINK.iface()), "nft", "-f", "-");
            host.host(NftRules.remove(LINK.iface()), "nft", "-f", "-");
            assertThat(host.host(null, "nft", "list", "table", "inet", "berth")).doesNotContain(LINK.iface());
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    private static int run(String... argv) throws Exception {
        return new ProcessBuilder(argv).inheritIO().start().waitFor();
    }
}
