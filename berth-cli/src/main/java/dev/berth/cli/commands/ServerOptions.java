package dev.berth.cli.commands;

import dev.berth.api.units.Durations;
import dev.berth.cli.input.DurationConverter;
import dev.berth.cli.input.SizeConverter;
import dev.berth.cli.output.Sizes;
import dev.berth.server.audit.otlp.OtlpConfig;
import dev.berth.server.config.AuditPolicy;
import dev.berth.server.config.RuntimePolicy;
import dev.berth.server.config.SecretsPolicy;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.config.TlsConfig;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.identity.oidc.OidcConfig;
import dev.berth.server.lifecycle.LifecyclePolicy;
import dev.berth.server.lifecycle.Lifetime;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The server settings {@code serve} and {@code up} share; {@code up} hands them on to the server it starts. */
final class ServerOptions {
    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default 127.0.0.1:7760; port 0 picks a free one). "
            + "Beyond loopback it needs --tls-cert and --tls-key, or --insecure.")
    String listen;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve HTTPS (HTTP/2 and HTTP/1.1, TLS 1.3 and 1.2) with this PEM certificate chain, the server's own certificate first; needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The unencrypted PEM private key of --tls-cert: PKCS#8 (BEGIN PRIVATE KEY), or BEGIN RSA/EC PRIVATE KEY.")
    Path tlsKey;

    @Option(names = "--insecure",
            description = "Allow plain HTTP on a non-loopback --listen address (e.g. behind a TLS proxy): the token and all traffic cross the network unencrypted.")
    boolean insecure;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop a session after this long without activity or running command (default 15m; 0: never). Sessions may ask for their own.")
    Duration idleTimeout;

    @Option(names = "--retention", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Reclaim a session's workspace after this long without activity (default 14d); also the longest a session may ask for.")
    Duration retention;

    @Option(names = "--max-lifetime", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "End every session this long after its creation, whatever it does (default 90d; 0: no limit).")
    Duration maxLifetime;

    @Option(names = "--disk-quota", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Default size of a session's workspace file system (default 10g; 0: no quota).")
    Long diskQuota;

    @Option(names = "--output-buffer", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Output kept per command (and terminal) for re-reading and re-attaching (default 64m, at least 64k). "
                    + "Never trimmed while an attached reader still needs it.")
    Long outputBuffer;

    @Option(names = "--max-zip-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Largest runtime zip accepted (default 250m); it may unpack to 3 times that.")
    Long maxZipSize;

    @Option(names = "--max-image-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Largest runtime image, its layers compressed (default 2g); it may unpack to 4 times that.")
    Long maxImageSize;

    @Option(names = "--agent-restart", paramLabel = "POLICY",
            description = "When a runtime session's agent is restarted: on-failure (default: it exited with an error or stopped answering /ping), always, never.")
    String agentRestart;

    @Option(names = "--registry-auth", paramLabel = "FILE",
            description = "Docker config.json with registry logins for image deploys (default $DOCKER_CONFIG/config.json, else ~/.docker/config.json). Never enters a sandbox.")
    Path registryAuth;

    @Option(names = "--audit-tty-input", description = "Record what is typed on ttys too (passwords included), not only their output.")
    boolean auditTtyInput;

    @Option(names = "--audit-otlp", paramLabel = "URL",
            description = "Export every audit event as an OpenTelemetry log to this OTLP/HTTP endpoint, e.g. http://collector:4318/v1/logs.")
    URI auditOtlp;

    @Option(names = "--audit-otlp-header", paramLabel = "NAME=VALUE", description = "A header for the OTLP endpoint (repeatable), e.g. Authorization=Bearer ….")
    Map<String, String> auditOtlpHeaders;

    @Option(names = "--audit-signing-key", paramLabel = "FILE",
            description = "Key that signs the audit checkpoints (default DATA/audit-signing.key; keep it outside the data dir where you can).")
    Path auditSigningKey;

    @Option(names = "--oidc-issuer", paramLabel = "URL",
            description = "Accept JWTs of this OpenID Connect issuer as bearer tokens (its discovery document is read at start).")
    URI oidcIssuer;

    @Option(names = "--oidc-audience", paramLabel = "AUD", description = "The audience those tokens must name (required with --oidc-issuer).")
    String oidcAudience;

    @Option(names = "--oidc-web-client-id", paramLabel = "ID",
            description = "Offer \"Log in with OIDC\" in the web console: this client id (public, PKCE) at the issuer, "
                    + "with ORIGIN/v1/web/oidc/callback as its redirect URI.")
    String oidcWebClientId;

    @Option(names = "--oidc-user-claim", paramLabel = "CLAIM", description = "The claim that names the user (default sub; e.g. preferred_username, email).")
    String oidcUserClaim;

    @Option(names = "--oidc-groups-claim", paramLabel = "CLAIM", description = "The claim that lists the user's groups (default groups).")
    String oidcGroupsClaim;

    @Option(names = "--oidc-role", paramLabel = "GROUP=ROLE",
            description = "Members of GROUP get ROLE: admin, operator, auditor (repeatable; everyone else is a user).")
    Map<String, String> oidcRoles;

    @Option(names = "--oidc-clock-skew", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How far clocks may disagree when checking exp/nbf/iat (default 60s, at most 5m).")
    Duration oidcClockSkew;

    @Option(names = "--gateway-config", paramLabel = "FILE",
            description = "The gateway's TOML file: model APIs and their key's secret name, prices, upstream MCP servers, egress rules (see docs/gateway.md). Without it the gateway forwards nothing and sandboxes reach nothing.")
    Path gatewayConfig;
    @Option(names = "--secrets-key-file", paramLabel = "FILE",
            description = "The AES-256 key that encrypts secrets (default /etc/berth/secrets.key as root, else "
                    + "$XDG_CONFIG_HOME/berth/secrets.key); made 0600 at the first secret set. Never inside the data dir. "
                    + "$BERTH_SECRETS_KEY (base64, 32 bytes) overrides it.")
    Path secretsKeyFile;

    @Option(names = "--secrets-key-command", paramLabel = "CMD",
            description = "Get the secrets key from a KMS instead: run CMD (sh -c) when a secret is first needed and read the base64 key from its output.")
    String secretsKeyCommand;

    /** Only to measure what the audit costs: nothing is recorded. */
    @Option(names = "--audit-off", hidden = true)
    boolean auditOff;

    ServerConfig apply(ServerConfig config) {
        RuntimePolicy r = config.runtimes();
        if (maxZipSize != null || maxImageSize != null) {
            long zip = maxZipSize != null ? maxZipSize : r.maxZipBytes();
            long image = maxImageSize != null ? maxImageSize : r.maxImageBytes();
            if (zip < (1 << 20) || image < (1 << 20)) {
                throw new IllegalArgumentException("--max-zip-size and --max-image-size must be at least 1m");
            }
            r = r.withSizes(zip, image);
        }
        if (agentRestart != null) {
            r = r.withRestart(switch (agentRestart) {
                case "on-failure" -> RuntimePolicy.Restart.ON_FAILURE;
                case "always" -> RuntimePolicy.Restart.ALWAYS;
                case "never" -> RuntimePolicy.Restart.NEVER;
                default -> throw new IllegalArgumentException("--agent-restart takes on-failure, always or never, not "
                        + agentRestart);
            });
        }
        if (registryAuth != null) {
            r = r.withRegistryAuth(registryAuth.toAbsolutePath());
        }
        config = config.withRuntimes(r);
        AuditPolicy a = config.audit().withEnabled(!auditOff).withRecordTtyInput(auditTtyInput);
        if (auditOtlp != null) {
            if (!"http".equals(auditOtlp.getScheme()) && !"https".equals(auditOtlp.getScheme())) {
                throw new IllegalArgumentException("--audit-otlp must be an http:// or https:// URL");
            }
            OtlpConfig o = OtlpConfig.of(auditOtlp);
            a = a.withOtlp(new OtlpConfig(o.endpoint(), auditOtlpHeaders == null ? Map.of() : auditOtlpHeaders, o.batchSize(),
                    o.flushInterval(), o.maxBackoff(), o.serviceName(), o.timeout()));
        }
        if (auditSigningKey != null) {
            a = a.withSigningKey(auditSigningKey.toAbsolutePath());
        }
        config = config.withAudit(a);
        if (oidcIssuer != null) {
            if (oidcAudience == null) {
                throw new IllegalArgumentException("--oidc-issuer needs --oidc-audience: the audience its tokens name for Berth");
            }
            OidcConfig oidc = OidcConfig.of(oidcIssuer, oidcAudience);
            oidc = oidcUserClaim != null ? oidc.withUserClaim(oidcUserClaim) : oidc;
            oidc = oidcGroupsClaim != null ? oidc.withGroupsClaim(oidcGroupsClaim) : oidc;
            oidc = oidcRoles != null ? oidc.withRoleMapping(oidcRoles) : oidc;
            oidc = oidcClockSkew != null ? oidc.withMaxClockSkew(oidcClockSkew) : oidc;
            oidc = oidc.withWebClientId(oidcWebClientId);
            config = config.withOidc(oidc);
        } else if (oidcAudience != null || oidcRoles != null || oidcUserClaim != null || oidcGroupsClaim != null
                || oidcWebClientId != null) {
            throw new IllegalArgumentException("the --oidc-* options go with --oidc-issuer URL");
        }
        if (gatewayConfig != null) {
            config = config.withGateway(GatewayConfig.load(gatewayConfig.toAbsolutePath()));
        }
        if (secretsKeyFile != null && secretsKeyCommand != null) {
            throw new IllegalArgumentException("--secrets-key-file and --secrets-key-command both give the secrets key: choose one");
        }
        SecretsPolicy secrets = secretsKeyCommand != null ? SecretsPolicy.DEFAULTS.withKeyCommand(secretsKeyCommand)
                : secretsKeyFile != null ? SecretsPolicy.keyFile(secretsKeyFile.toAbsolutePath()) : config.secrets();
        String envKey = System.getenv(SecretsPolicy.KEY_ENV);
        if (envKey != null && !envKey.isBlank()) {
            if (secretsKeyCommand != null) {
                throw new IllegalArgumentException("$" + SecretsPolicy.KEY_ENV + " and --secrets-key-command both give the secrets key: choose one");
            }
            secrets = secrets.withKey(envKey);
        }
        config = config.withSecrets(secrets);
        if (outputBuffer != null) {
            if (outputBuffer < (64 << 10)) {
                throw new IllegalArgumentException("--output-buffer must be at least 64k");
            }
            config = config.withOutputRetain(outputBuffer);
        }
        if (listen != null) {
            ServeCommand.Listen l = ServeCommand.Listen.parse(listen);
            config = config.withListen(l.host(), l.port());
        }
        if (tlsCert != null || tlsKey != null || insecure) {
            config = config.withTls(new TlsConfig(absolute(tlsCert), absolute(tlsKey), insecure));
        }
        LifecyclePolicy d = config.lifecycle();
        Lifetime life = new Lifetime(
                idleTimeout != null ? idleTimeout : d.defaults().idleTimeout(),
                retention != null ? retention : d.defaults().retention(),
                maxLifetime != null ? maxLifetime : d.defaults().maxLifetime());
        return config.withLifecycle(new LifecyclePolicy(life, diskQuota != null ? diskQuota : d.diskQuotaBytes()));
    }

    /** The same options as arguments, for a server started in the background. */
    List<String> asArguments() {
        List<String> args = new ArrayList<>();
        option(args, "--listen", listen);
        option(args, "--tls-cert", absolute(tlsCert));
        option(args, "--tls-key", absolute(tlsKey));
        if (insecure) {
            args.add("--insecure");
        }
        option(args, "--idle-timeout", idleTimeout == null ? null : Durations.format(idleTimeout));
        option(args, "--retention", retention == null ? null : Durations.format(retention));
        option(args, "--max-lifetime", maxLifetime == null ? null : Durations.format(maxLifetime));
        option(args, "--disk-quota", diskQuota);
        option(args, "--output-buffer", outputBuffer);
        option(args, "--max-zip-size", maxZipSize);
        option(args, "--max-image-size", maxImageSize);
        option(args, "--agent-restart", agentRestart);
        option(args, "--registry-auth", registryAuth == null ? null : registryAuth.toAbsolutePath());
        if (auditTtyInput) {
            args.add("--audit-tty-input");
        }
        option(args, "--audit-otlp", auditOtlp);
        if (auditOtlpHeaders != null) {
            auditOtlpHeaders.forEach((k, v) -> args.addAll(List.of("--audit-otlp-header", k + "=" + v)));
        }
        option(args, "--audit-signing-key", auditSigningKey == null ? null : auditSigningKey.toAbsolutePath());
        if (auditOff) {
            args.add("--audit-off");
        }
        option(args, "--secrets-key-file", secretsKeyFile == null ? null : secretsKeyFile.toAbsolutePath());
        option(args, "--secrets-key-command", secretsKeyCommand); // $BERTH_SECRETS_KEY is inherited, never an argument
        option(args, "--oidc-issuer", oidcIssuer);
        option(args, "--oidc-audience", oidcAudience);
        option(args, "--oidc-user-claim", oidcUserClaim);
        option(args, "--oidc-groups-claim", oidcGroupsClaim);
        if (oidcRoles != null) {
            oidcRoles.forEach((g, r) -> args.addAll(List.of("--oidc-role", g + "=" + r)));
        }
        option(args, "--oidc-clock-skew", oidcClockSkew == null ? null : Durations.format(oidcClockSkew));
        option(args, "--gateway-config", absolute(gatewayConfig));
        return args;
    }

    /** Files named in full: in messages, and for a server that {@code up} starts. */
    private static Path absolute(Path p) {
        return p == null ? null : p.toAbsolutePath();
    }

    /** An option given on this command line, passed on as given; one not given is left to the server's default. */
    private static void option(List<String> args, String name, Object value) {
        if (value != null) {
            args.addAll(List.of(name, value.toString()));
        }
    }

    static String describe(ServerConfig c) {
        Lifetime l = c.lifecycle().defaults();
        return "idle stop " + (l.idleTimeout().isZero() ? "never" : Durations.format(l.idleTimeout()))
                + ", workspace retention " + Durations.format(l.retention())
                + ", max lifetime " + (l.maxLifetime().isZero() ? "none" : Durations.format(l.maxLifetime()))
                + ", disk quota " + (c.lifecycle().diskQuotaBytes() == 0 ? "none" : Sizes.format(c.lifecycle().diskQuotaBytes()))
                + ", output buffer " + Sizes.format(c.outputRetainBytes())
                + ", zips up to " + Sizes.format(c.runtimes().maxZipBytes()) + ", images up to "
                + Sizes.format(c.runtimes().maxImageBytes()) + ", agents restarted "
                + c.runtimes().restart().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
