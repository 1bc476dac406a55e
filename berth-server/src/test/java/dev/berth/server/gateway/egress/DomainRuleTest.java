package dev.berth.server.gateway.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DomainRuleTest {
    @Test
    void aHostRuleAllowsThatHostOnHttpsOnly() {
        DomainRule r = DomainRule.parse("GitHub.com");
        assertThat(r.allows("github.com", 443)).isTrue();
        assertThat(r.allows("GITHUB.COM.", 443)).isTrue();
        assertThat(r.allows("github.com", 80)).isFalse();
        assertThat(r.allows("api.github.com", 443)).isFalse();
        assertThat(r.allows("evilgithub.com", 443)).isFalse();
        assertThat(r.allows("github.com.evil.net", 443)).isFalse();
    }

    @Test
    void aWildcardAllowsSubdomainsButNotTheApexAndAPortIsExact() {
        DomainRule r = DomainRule.parse("*.npmjs.org:8443");
        assertThat(r.allows("registry.npmjs.org", 8443)).isTrue();
        assertThat(r.allows("a.b.npmjs.org", 8443)).isTrue();
        assertThat(r.allows("npmjs.org", 8443)).isFalse();
        assertThat(r.allows("registry.npmjs.org", 443)).isFalse();
        assertThat(r.allows("xnpmjs.org", 8443)).isFalse();
    }

    @Test
    void addressLiteralsAreRulesOfTheirOwn() {
        DomainRule r = DomainRule.parse("10.1.2.3:5432");
        assertThat(r.ipLiteral()).isTrue();
        assertThat(r.allows("10.1.2.3", 5432)).isTrue();
        assertThat(DomainRule.parse("github.com").ipLiteral()).isFalse();
    }

    @Test
    void malformedRulesAreRefusedWithTheRuleNamed() {
        for (String bad : new String[] {"", "*", "*.", "http://github.com", "github.com:0", "github.com:99999",
                "github.com:x", "-bad-.com", "a..b", "*.10.0.0.1", "999.1.1.1", "com", "a_b.com", "*.*.com"}) {
            assertThatThrownBy(() -> DomainRule.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad.isEmpty() ? "rule" : bad.length() > 3 ? bad.substring(0, 3) : bad);
        }
    }
}
