package dev.berth.server.gateway;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.berth.server.config.ConfigException;
import dev.berth.server.gateway.egress.CidrRule;
import dev.berth.server.gateway.egress.DomainRule;
import dev.berth.server.gateway.egress.EgressRules;
import dev.berth.server.gateway.mcp.McpServerConfig;
import dev.berth.server.gateway.model.ModelPrice;
import dev.berth.server.gateway.model.ModelProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What an admin configures for the gateway, in one TOML file ({@code berth serve --gateway-config};
 * see docs/gateway.md). Everything is optional: without a file, sandboxes reach the gateway, which
 * forwards nothing.
 *
 * @param models model APIs, by the name in their path ({@code /model/NAME})
 * @param prices what each model's tokens cost, by model name as the upstream reports it
 * @param mcp upstream MCP servers and which runtimes may use which tools
 * @param egress where sandboxes may connect, for all and per runtime
 */
public record GatewayConfig(Map<String, ModelProvider> models, Map<String, ModelPrice> prices, Mcp mcp, Egress egress) {
    public static final GatewayConfig EMPTY = new GatewayConfig(null, null, null, null);

    public GatewayConfig {
        models = models == null ? Map.of() : Map.copyOf(models);
        prices = prices == null ? Map.of() : Map.copyOf(prices);
        mcp = mcp == null ? new Mcp(null, null, null) : mcp;
        egress = egress == null ? new Egress(null, null) : egress;
    }

    /**
     * @param servers upstream servers by name; their tools appear as {@code NAME__TOOL}
     * @param runtimes per runtime name: the (prefixed) tools its sessions may call; a runtime not
     *     listed may call every tool the servers allow
     * @param roles per role of the session's owner ({@code admin}, {@code operator}, {@code user}): the
     *     same, on top of the runtime's list (a tool must pass both)
     */
    public record Mcp(Map<String, McpServerConfig> servers, Map<String, List<String>> runtimes,
            Map<String, List<String>> roles) {
        public Mcp {
            servers = servers == null ? Map.of() : Map.copyOf(servers);
            runtimes = runtimes == null ? Map.of() : Map.copyOf(runtimes);
            roles = roles == null ? Map.of() : Map.copyOf(roles);
        }

        public Mcp(Map<String, McpServerConfig> servers, Map<String, List<String>> runtimes) {
            this(servers, runtimes, null);
        }
    }

    /**
     * @param all rules every session gets
     * @param runtimes more rules for the sessions of a runtime, by runtime name
     */
    public record Egress(EgressRules all, Map<String, EgressRules> runtimes) {
        public Egress {
            all = all == null ? EgressRules.NONE : all;
            runtimes = runtimes == null ? Map.of() : Map.copyOf(runtimes);
        }

        /** What a session of {@code runtimeName} (null for a plain session) may reach, before its own rules. */
        public EgressRules forRuntime(String runtimeName) {
            EgressRules r = runtimeName == null ? null : runtimes.get(runtimeName);
            return r == null ? all : all.plus(r);
        }
    }

    public static GatewayConfig load(Path file) {
        TomlMapper toml = TomlMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        GatewayConfig c;
        try {
            c = toml.readValue(file.toFile(), GatewayConfig.class);
        } catch (IOException e) {
            throw new ConfigException("cannot read gateway configuration " + file + ": " + e.getMessage());
        }
        Map<String, EgressRules> egress = new java.util.LinkedHashMap<>();
        egress.put("egress.all", c.egress().all());
        c.egress().runtimes().forEach((name, rules) -> egress.put("egress.runtimes." + name, rules));
        egress.forEach((where, rules) -> {
            try {
                rules.domains().forEach(DomainRule::parse);
                CidrRule.parseAll(rules.cidrs());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file + ": " + where + ": " + e.getMessage());
            }
        });
        return c;
    }
}
