package dev.berth.sandbox.namespaces.routed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Ipv4CidrTest {
    @Test
    void parsesAddressesAndNetworks() {
        assertThat(Ipv4Cidr.parse("198.51.100.7", false)).hasToString("198.51.100.7/32");
        Ipv4Cidr pool = Ipv4Cidr.parse("10.231.0.0/16", false);
        assertThat(pool.size()).isEqualTo(65536);
        assertThat(pool.contains(Ipv4Cidr.parse("10.231.255.255", false).address())).isTrue();
        assertThat(pool.contains(Ipv4Cidr.parse("10.232.0.0", false).address())).isFalse();
        assertThat(Ipv4Cidr.dotted(pool.at(4 * 3 + 2))).isEqualTo("10.231.0.14");
        assertThat(Ipv4Cidr.parse("0.0.0.0/0", false).contains(Ipv4Cidr.parse("255.255.255.255", false).address())).isTrue();
        assertThat(pool.overlaps(Ipv4Cidr.parse("10.0.0.0/8", false))).isTrue();
        assertThat(pool.overlaps(Ipv4Cidr.parse("10.230.0.0/16", false))).isFalse();
    }

    @Test
    void hostBitsAreRefusedUnlessLenient() {
        assertThatThrownBy(() -> Ipv4Cidr.parse("198.51.100.7/24", false)).hasMessageContaining("198.51.100.0/24");
        assertThat(Ipv4Cidr.parse("198.51.100.7/24", true)).hasToString("198.51.100.0/24");
    }

    @Test
    void anythingElseIsRefused() {
        for (String bad : new String[] {"", "10.0.0", "10.0.0.256", "10.0.0.0/33", "::1", "10.0.0.0/8; flush ruleset",
                "example.com", "10.0.0.0/-1"}) {
            assertThatThrownBy(() -> Ipv4Cidr.parse(bad, true)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
