package dev.berth.cli.commands;

import dev.berth.api.model.RuntimeInfo;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.output.JsonOut;
import dev.berth.cli.output.Sizes;
import dev.berth.cli.output.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth runtime deploy|ls|show|rm}. */
@Command(name = "runtime", description = "Deploy agent runtimes (an OCI image, a Python/Node.js zip, or a coding-agent harness) and manage their versions.",
        subcommands = {RuntimeCommand.Deploy.class, RuntimeCommand.Ls.class, RuntimeCommand.Show.class,
                RuntimeCommand.Rm.class})
public final class RuntimeCommand {

    @Command(name = "deploy", description = {"Deploy a new version of runtime NAME.",
            "Sessions started with --runtime NAME run its entrypoint as their agent (serving POST /invocations and GET /ping on port 8080).",
            "With --harness, no agent runs: the runtime holds a coding-agent CLI that runs turn by turn (npm harnesses are installed by the server; kiro and cursor need --image with their CLI)."})
    static final class Deploy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "Runtime name ([a-z0-9][a-z0-9._-]{0,62}).")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "0..1")
        Source source;

        static final class Source {
            @Option(names = "--image", paramLabel = "REF", required = true,
                    description = "An image: HOST[:PORT]/REPO[:TAG|@DIGEST] (pulled by the server; logins from its docker config), oci-layout:DIR[:TAG] or docker-archive:FILE.tar (paths on the server).")
            String image;

            @Option(names = "--zip", paramLabel = "FILE", required = true, description = "A Python or Node.js project zip (uploaded; at most 250 MB, 750 MB unpacked).")
            Path zip;
        }

        @Option(names = "--lang", paramLabel = "python|node", description = "The zip's language (with --zip).")
        String lang;

        @Option(names = "--entrypoint", paramLabel = "FILE", description = "The zip's file to run (default: main.py/app.py/agent.py/server.py, or package.json's main/index.js/server.js).")
        String entrypoint;

        @Option(names = "--harness", paramLabel = "H",
                description = "A coding-agent harness: claude-code, codex, gemini, opencode (installed from npm), kiro, cursor (need --image), custom (runs --command).")
        String harness;

        @Option(names = "--model", paramLabel = "M", description = "The harness's default model (with --harness).")
        String model;

        @Option(names = "--command", paramLabel = "CMD", description = "The custom harness's command, run as sh -c CMD with BERTH_PROMPT, BERTH_ITERATION, BERTH_MODEL in its environment (default with --zip: the zip's entrypoint).")
        String command;

        @Option(names = "--insecure", description = "Pull over plain HTTP (loopback registries always are).")
        boolean insecure;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            RuntimeInfo r;
            if (harness == null && (model != null || command != null)) {
                throw new ParameterException(spec.commandLine(), "--model and --command go with --harness");
            }
            if (harness == null && source == null) {
                throw new ParameterException(spec.commandLine(), "give --image REF, --zip FILE or --harness H");
            }
            var client = Connected.of(spec).client();
            if (source != null && source.zip != null) {
                if (lang == null) {
                    throw new ParameterException(spec.commandLine(), "--zip needs --lang python or --lang node");
                }
                if (!Files.isRegularFile(source.zip)) {
                    throw new ParameterException(spec.commandLine(), "no such file: " + source.zip);
                }
                r = client.deployZip(name, source.zip, lang, entrypoint, harness, model, command);
            } else {
                if (lang != null || entrypoint != null) {
                    throw new ParameterException(spec.commandLine(), "--lang and --entrypoint go with --zip");
                }
                String image = source == null ? null : source.image;
                r = harness != null ? client.deployHarness(name, harness, model, command, image, insecure)
                        : client.deployImage(name, image, insecure);
            }
            if (json) {
                JsonOut.print(System.out, r);
            } else {
                System.out.println(r.name() + "@" + r.version() + " " + r.digest() + " (" + Sizes.format(r.sizeBytes()) + ")"
                        + (r.harness() == null ? "" : " harness " + harnessLine(r)));
            }
            return 0;
        }
    }

    /** {@code codex 0.171.0, model gpt-5} or {@code custom: python3 loop.py}. */
    static String harnessLine(RuntimeInfo r) {
        var h = r.harness();
        return h.name() + (h.version() == null ? "" : " " + h.version()) + (h.model() == null ? "" : ", model " + h.model())
                + (h.command() == null ? "" : ", command: " + h.command());
    }

    @Command(name = "ls", aliases = "list", description = "List runtimes and their versions.")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print JSON (for scripts).")
        boolean json;

        @Override
        public Integer call() {
            List<RuntimeInfo> all = Connected.of(spec).client().listRuntimes();
            if (json) {
                JsonOut.print(System.out, all);
                return 0;
            }
            Table t = new Table("NAME", "VERSION", "KIND", "SOURCE", "SIZE", "SESSIONS", "DEPLOYED", "DIGEST");
            Instant now = Instant.now();
            for (RuntimeInfo r : all) {
                t.row(r.name(), r.version(), r.kind(), r.source(), Sizes.format(r.sizeBytes()), r.sessions(),
                        SessionCommand.ago(now, r.createdAt()), shortDigest(r.digest()));
            }
            t.print(System.out);
            return 0;
        }

        private static String shortDigest(String d) {
            int colon = d.indexOf(':');
            return d.length() > colon + 13 ? d.substring(0, colon + 13) : d;
        }
    }

    @Command(name = "show", description = "Show a runtime's version (its newest unless --version): source, digest, entrypoint, env, harness.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--version", paramLabel = "N", description = "Which version (default: the newest).")
        Integer version;

        @Override
        public Integer call() {
            JsonOut.print(System.out, Connected.of(spec).client().runtime(name, version));
            return 0;
        }
    }

    @Command(name = "rm", aliases = "delete", description = "Remove a runtime's version (--version), or all its versions; refused while sessions made from them exist.")
    static final class Rm implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--version", paramLabel = "N", description = "Only this version.")
        Integer version;

        @Override
        public Integer call() {
            int n = Connected.of(spec).client().deleteRuntime(name, version);
            System.out.println(name + (version == null ? "" : "@" + version) + ": " + n + (n == 1 ? " version" : " versions")
                    + " removed");
            return 0;
        }
    }
}
