package dev.berth.sandbox.namespaces;

import dev.berth.sandbox.contract.SandboxDriverContract;
import dev.berth.sandbox.spi.SandboxDriver;
import java.nio.file.Path;

/** The namespaces driver against the driver contract (needs root; skipped with the reason otherwise). */
class NamespacesDriverTest extends SandboxDriverContract {
    @Override
    protected SandboxDriver createDriver(Path temp) {
        return new NamespacesDriver(NamespacesConfig.defaults(temp.resolve("bin"), "berth-test"));
    }
}
