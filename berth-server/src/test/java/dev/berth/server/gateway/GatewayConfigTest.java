package dev.berth.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.server.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsEverySection() throws Exception {
        Path f = Files.writeString(dir.resolve("gateway.toml"), """
                [models.anthropic]
                kind = "anthropic"
                upstream = "https://api.anthropic.com"
                secret = "anthropic-key"

                [prices."claude-sonnet-4-5"]
                input = 3.0
                output = 15.0
                cache_read = 0.3
                cache_write = 3.75

                [mcp.servers.everything]
                command = ["npx", "@modelcontextprotocol/server-everything"]
                env = { TOKEN = "secret:everything" }
                tools = ["echo"]

                [mcp.runtimes]
                triage = ["everything__echo"]

                [egress.all]
                domains = ["registry.npmjs.org"]

                [egress.runtimes.triage]
                domains = ["github.com"]
                cidrs = ["10.1.0.0/16:5432"]
                """);
        GatewayConfig c = GatewayConfig.load(f);
        assertThat(c.models().get("anthropic").secret()).isEqualTo("anthropic-key");
        assertThat(c.prices().get("claude-sonnet-4-5").cacheWrite()).isEqualTo(3.75);
        assertThat(c.mcp().servers().get("everything").env()).containsEntry("TOKEN", "secret:everything");
        assertThat(c.mcp().runtimes().get("triage")).containsExactly("everything__echo");
        assertThat(c.egress().forRuntime("triage").domains()).containsExactly("registry.npmjs.org", "github.com");
        assertThat(c.egress().forRuntime("other").cidrs()).isEmpty();
        assertThat(c.egress().forRuntime(null).domains()).containsExactly("registry.npmjs.org");
    }

    @Test
    void aTypoIsRefusedWithTheFileNamed() throws Exception {
        Path f = Files.writeString(dir.resolve("gateway.toml"), "[modles.x]\nkind = \"openai\"\n");
        assertThatThrownBy(() -> GatewayConfig.load(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.toml").hasMessageContaining("modles");
    }

    @Test
    void aBadEgressRuleIsRefusedWithWhereItIs() throws Exception {
        Path f = Files.writeString(dir.resolve("gateway.toml"), "[egress.runtimes.triage]\ncidrs = [\"10.0.0.0/33\"]\n");
        assertThatThrownBy(() -> GatewayConfig.load(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("egress.runtimes.triage").hasMessageContaining("10.0.0.0/33");
        Path g = Files.writeString(dir.resolve("g2.toml"), "[egress.all]\ndomains = [\"http://x.com\"]\n");
        assertThatThrownBy(() -> GatewayConfig.load(g)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("egress.all").hasMessageContaining("http://x.com");
    }

    @Test
    void anEmptyFileConfiguresNothing() throws Exception {
        GatewayConfig c = GatewayConfig.load(Files.writeString(dir.resolve("g.toml"), ""));
        assertThat(c.models()).isEmpty();
        assertThat(c.mcp().servers()).isEmpty();
        assertThat(c.egress().forRuntime("x").domains()).isEmpty();
    }
}
