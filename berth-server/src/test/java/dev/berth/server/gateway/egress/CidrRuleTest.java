package dev.berth.server.gateway.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.sandbox.spi.SandboxNetwork.Destination;
import java.util.List;
import org.junit.jupiter.api.Test;

class CidrRuleTest {
    @Test
    void everyFormOfTheRule() {
        assertThat(CidrRule.parse("198.51.100.0/24:443")).isEqualTo(new Destination("198.51.100.0/24", "tcp", 443, 443));
        assertThat(CidrRule.parse("192.0.2.53:53/udp")).isEqualTo(new Destination("192.0.2.53/32", "udp", 53, 53));
        assertThat(CidrRule.parse("203.0.113.7")).isEqualTo(new Destination("203.0.113.7/32", "tcp", 1, 65535));
        assertThat(CidrRule.parse("10.0.0.0/8/udp")).isEqualTo(new Destination("10.0.0.0/8", "udp", 1, 65535));
        assertThat(CidrRule.parse(" 0.0.0.0/0:8000-8100/tcp ")).isEqualTo(new Destination("0.0.0.0/0", "tcp", 8000, 8100));
    }

    @Test
    void badRulesSayWhatIsWrong() {
        assertThatThrownBy(() -> CidrRule.parse("198.51.100.7/24:443")).hasMessageContaining("198.51.100.0/24");
        assertThatThrownBy(() -> CidrRule.parse("198.51.100.0/24:0")).hasMessageContaining("port 0 is not 1-65535");
        assertThatThrownBy(() -> CidrRule.parse("198.51.100.0/24:70000")).hasMessageContaining("port 70000");
        assertThatThrownBy(() -> CidrRule.parse("198.51.100.0/24:90-80")).hasMessageContaining("reversed");
        assertThatThrownBy(() -> CidrRule.parse("example.com:443")).hasMessageContaining("not an IPv4 address");
        assertThatThrownBy(() -> CidrRule.parse("10.0.0.0/8:443/sctp")).hasMessageContaining("is not CIDR[:PORT[-PORT]][/udp]");
        assertThatThrownBy(() -> CidrRule.parse("2001:db8::/32")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CidrRule.parse("")).hasMessageContaining("CIDR[:PORT[-PORT]][/udp]");
        assertThatThrownBy(() -> CidrRule.parseAll(List.of("10.0.0.0/8", "10.0.0.1:x")))
                .hasMessageStartingWith("cidrs[1]: ");
    }

    @Test
    void noRulesNoRoutedNetworking() {
        assertThat(CidrRule.routedNetwork(EgressRules.NONE)).isNull();
        assertThat(CidrRule.routedNetwork(new EgressRules(List.of(), List.of("192.0.2.0/24:22"))).allow())
                .containsExactly(new Destination("192.0.2.0/24", "tcp", 22, 22));
    }
}
