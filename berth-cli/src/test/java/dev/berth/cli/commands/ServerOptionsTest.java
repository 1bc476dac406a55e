package dev.berth.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.server.config.RuntimePolicy;
import dev.berth.server.config.SecretsPolicy;
import dev.berth.server.config.ServerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServerOptionsTest {
    private static ServerOptions parse(String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return serve.options;
    }

    @Test
    void runtimeLimitsRestartPolicyAndRegistryLoginsReachTheServerAndAreHandedOnByUp() {
        ServerOptions o = parse("--max-zip-size", "10m", "--max-image-size", "1g", "--agent-restart", "never",
                "--registry-auth", "/etc/berth/docker.json");
        RuntimePolicy r = o.apply(ServerConfig.defaults(Path.of("/tmp/x"))).runtimes();
        assertThat(r.maxZipBytes()).isEqualTo(10L << 20);
        assertThat(r.maxZipUnpackedBytes()).isEqualTo(30L << 20);
        assertThat(r.maxImageBytes()).isEqualTo(1L << 30);
        assertThat(r.restart()).isEqualTo(RuntimePolicy.Restart.NEVER);
        assertThat(r.registryAuthFile()).isEqualTo(Path.of("/etc/berth/docker.json"));
        // `up` starts `serve` with the same settings
        RuntimePolicy again = parse(o.asArguments().toArray(String[]::new)).apply(ServerConfig.defaults(Path.of("/tmp/x")))
                .runtimes();
        assertThat(again).isEqualTo(r);

        RuntimePolicy defaults = parse().apply(ServerConfig.defaults(Path.of("/tmp/x"))).runtimes();
        assertThat(defaults.maxZipBytes()).isEqualTo(250_000_000L);
        assertThat(defaults.restart()).isEqualTo(RuntimePolicy.Restart.ON_FAILURE);
    }

    @Test
    void badValuesAreRefusedWithTheOptionsName() {
        assertThatThrownBy(() -> parse("--agent-restart", "sometimes").apply(ServerConfig.defaults(Path.of("/tmp/x"))))
                .hasMessageContaining("--agent-restart");
        assertThatThrownBy(() -> parse("--max-zip-size", "10k").apply(ServerConfig.defaults(Path.of("/tmp/x"))))
                .hasMessageContaining("--max-zip-size");
    }

    @Test
    void theSecretsKeySourceReachesTheServerAndIsHandedOnByUp() {
        SecretsPolicy file = parse("--secrets-key-file", "/srv/keys/secrets.key").apply(ServerConfig.defaults(Path.of("/tmp/x")))
                .secrets();
        assertThat(file.keyFile()).isEqualTo(Path.of("/srv/keys/secrets.key"));
        assertThat(parse(parse("--secrets-key-file", "/srv/keys/secrets.key").asArguments().toArray(String[]::new))
                .apply(ServerConfig.defaults(Path.of("/tmp/x"))).secrets()).isEqualTo(file);
        SecretsPolicy kms = parse("--secrets-key-command", "vault kv get -field=key berth").apply(
                ServerConfig.defaults(Path.of("/tmp/x"))).secrets();
        assertThat(kms.keyCommand()).isEqualTo("vault kv get -field=key berth");
        assertThat(kms.keyFile()).isNull();
        assertThat(parse().apply(ServerConfig.defaults(Path.of("/tmp/x"))).secrets().keyFileOrDefault())
                .isEqualTo(SecretsPolicy.defaultKeyFile());
        assertThatThrownBy(() -> parse("--secrets-key-file", "/k", "--secrets-key-command", "true")
                .apply(ServerConfig.defaults(Path.of("/tmp/x")))).hasMessageContaining("choose one");
        assertThat(SecretsPolicy.DEFAULTS.withKey("c2VjcmV0").toString()).doesNotContain("c2VjcmV0");
    }
}
