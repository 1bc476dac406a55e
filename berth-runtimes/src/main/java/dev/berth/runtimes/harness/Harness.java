package dev.berth.runtimes.harness;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One coding-agent CLI as Berth drives it: how it is installed into a runtime, how one
 * non-interactive turn runs (in the session, cwd {@code /mnt/workspace}), what environment points it
 * at the model gateway, and how its output becomes steps.
 */
public interface Harness {
    /** The name users pass to {@code --harness}. */
    String name();

    /** The npm package that installs it, when it has one. */
    Optional<NpmPackage> npm();

    /** How it is installed when it has no npm package: said to a user whose deploy cannot install it. */
    String installNote();

    /**
     * Where its executable is once its npm package is installed (with lifecycle scripts off), relative
     * to the install's {@code node_modules}, the first that exists winning: by default npm's own link
     * of the package's bin. Harnesses whose package only copies a native binary into place in a
     * postinstall script name that binary in its platform package instead.
     */
    default List<String> executables() {
        return npm().map(p -> List.of(".bin/" + p.bin())).orElse(List.of());
    }

    /** The argv of one turn. */
    List<String> argv(Turn turn);

    /**
     * What it needs in its environment besides what every sandbox gets (the gateway's base URLs and the
     * session's placeholder key): its model, a config that names the gateway, and so on.
     *
     * @param gatewayUrl the gateway as the sandbox sees it, e.g. {@code http://127.0.0.1:7761}
     */
    Map<String, String> env(Turn turn, String gatewayUrl);

    /** A new parser for one turn's standard output. */
    StepParser parser();
}
