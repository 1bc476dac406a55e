package dev.berth.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.server.config.ServerConfig;
import dev.berth.server.config.TlsConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TlsServerOptionsTest {
    private static final ServerConfig DEFAULTS = ServerConfig.defaults(Path.of("/tmp/x"));

    private static ServerOptions parse(String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return serve.options;
    }

    @Test
    void tlsFilesReachTheServerAsAbsolutePathsAndAreHandedOnByUp() {
        ServerOptions o = parse("--listen", "0.0.0.0:8443", "--tls-cert", "certs/chain.pem", "--tls-key", "/etc/berth/key.pem");
        TlsConfig tls = o.apply(DEFAULTS).tls();
        assertThat(tls).isEqualTo(new TlsConfig(Path.of("certs/chain.pem").toAbsolutePath(), Path.of("/etc/berth/key.pem"), false));
        assertThat(parse(o.asArguments().toArray(String[]::new)).apply(DEFAULTS).tls()).isEqualTo(tls);
    }

    @Test
    void insecureIsHandedOnToo() {
        ServerOptions o = parse("--listen", "0.0.0.0:7760", "--insecure");
        assertThat(o.apply(DEFAULTS).tls()).isEqualTo(new TlsConfig(null, null, true));
        assertThat(o.asArguments()).contains("--insecure");
        assertThat(parse().apply(DEFAULTS).tls()).isEqualTo(TlsConfig.NONE);
        assertThat(parse().asArguments()).doesNotContain("--insecure");
    }

    @Test
    void aCertificateWithoutItsKeyIsAUsageError() {
        assertThatThrownBy(() -> parse("--tls-cert", "c.pem").apply(DEFAULTS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tls-key");
    }
}
