package dev.berth.cli.commands;

import dev.berth.api.model.CreateTokenRequest;
import dev.berth.api.model.CreatedToken;
import dev.berth.api.model.Role;
import dev.berth.api.model.TokenInfo;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.input.DurationConverter;
import dev.berth.cli.output.JsonOut;
import dev.berth.cli.output.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth token create|ls|revoke}: local API tokens (admins only). */
@Command(name = "token", description = "Manage local API tokens (admins only). Tokens are stored hashed and shown once.",
        subcommands = {TokenCommand.Create.class, TokenCommand.Ls.class, TokenCommand.Revoke.class})
public final class TokenCommand {

    @Command(name = "create", description = {"Create a token for USER with ROLE and print it (this once).",
            "Roles: admin (everything), operator (runtimes, all sessions), user (own and shared sessions),",
            "auditor (audit trail and session logs, read only)."})
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--user", required = true, paramLabel = "NAME", description = "Whom the token stands for.")
        String user;

        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "admin, operator, user or auditor.")
        String role;

        @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Valid for this long, e.g. 30d, 12h (default: until revoked).")
        Duration ttl;

        @Option(names = "--group", paramLabel = "GROUP", description = "A group the user is in (repeatable); sessions can be shared with groups.")
        List<String> groups;

        @Option(names = "--runtime", paramLabel = "NAME", description = "A runtime a user may make sessions from (repeatable; default: any).")
        List<String> runtimes;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            Role r = Role.parse(role);
            if (r == null) {
                throw new ParameterException(spec.commandLine(), "--role must be admin, operator, user or auditor, not " + role);
            }
            CreatedToken c = Connected.of(spec).client().createToken(new CreateTokenRequest(user, r,
                    ttl == null ? null : ttl.toSeconds(), groups, runtimes));
            if (json) {
                JsonOut.print(System.out, c);
            } else {
                System.out.println(c.secret());
                System.err.println("token " + c.token().id() + " for " + user + " (" + r.wire() + ")"
                        + (c.token().expiresAt() == null ? "" : ", valid until " + c.token().expiresAt())
                        + ": it is not shown again. Use it as BERTH_TOKEN or --token.");
            }
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List tokens (never their secrets).")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            List<TokenInfo> all = Connected.of(spec).client().listTokens();
            if (json) {
                JsonOut.print(System.out, all);
                return 0;
            }
            Table t = new Table("ID", "USER", "ROLE", "GROUPS", "STATE", "CREATED", "EXPIRES", "BY");
            Instant now = Instant.now();
            for (TokenInfo i : all) {
                t.row(i.id(), i.user(), i.role().wire(), String.join(",", i.groups()), i.state(),
                        SessionCommand.ago(now, i.createdAt()), i.expiresAt() == null ? "never" : i.expiresAt().toString(),
                        i.createdBy());
            }
            t.print(System.out);
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a token: the next request with it is refused.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The token's id (from token ls).")
        String id;

        @Override
        public Integer call() {
            TokenInfo t = Connected.of(spec).client().revokeToken(id);
            System.out.println("token " + t.id() + " of " + t.user() + " revoked");
            return 0;
        }
    }
}
