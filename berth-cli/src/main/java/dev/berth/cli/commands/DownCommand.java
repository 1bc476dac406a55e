package dev.berth.cli.commands;

import dev.berth.cli.connect.Connected;
import dev.berth.cli.connect.LocalServer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code berth down}: graceful stop of the local server (sessions keep running). */
@Command(name = "down", description = "Stop the local Berth server gracefully. Sessions keep running and are re-adopted by the next start.")
public final class DownCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path data = Connected.of(spec).dataDir();
        Optional<LocalServer.Info> info = LocalServer.read(data);
        Optional<ProcessHandle> process = info.flatMap(i -> ProcessHandle.of(i.pid())).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            System.out.println("Berth is not running");
            return 0;
        }
        process.get().destroy(); // SIGTERM: the server's shutdown hook stops it cleanly
        try {
            process.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println("berth: the server (pid " + info.get().pid() + ") did not stop within 30 s");
            return 1;
        }
        LocalServer.clear(data, info.get().pid());
        System.out.println("Berth stopped");
        return 0;
    }
}
