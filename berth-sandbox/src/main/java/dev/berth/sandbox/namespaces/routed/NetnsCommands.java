package dev.berth.sandbox.namespaces.routed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs {@code ip}, {@code nft} and {@code sysctl} in the host-side network namespace (through
 * {@code nsenter --net=PATH} when one is configured) or in a sandbox's.
 */
final class NetnsCommands {
    private static final long TIMEOUT_SECONDS = 30;
    private final Path hostNetns;

    NetnsCommands(Path hostNetns) {
        this.hostNetns = hostNetns;
    }

    /** Runs {@code argv} on the host side, feeding it {@code stdin}; returns its stdout. */
    String host(String stdin, String... argv) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (hostNetns != null) {
            cmd.addAll(List.of("nsenter", "--net=" + hostNetns, "--"));
        }
        cmd.addAll(List.of(argv));
        return run(cmd, stdin);
    }

    /** Runs {@code argv} in the network namespace of the sandbox whose init is {@code pid}. */
    String sandbox(long pid, String stdin, String... argv) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--target", Long.toString(pid), "--net", "--"));
        cmd.addAll(List.of(argv));
        return run(cmd, stdin);
    }

    private static String run(List<String> cmd, String stdin) throws IOException {
        Process p = new ProcessBuilder(cmd).start();
        FutureTask<byte[]> err = new FutureTask<>(() -> readAll(p.getErrorStream()));
        Thread.ofVirtual().start(err);
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(readAll(p.getInputStream()), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + cmd.getFirst(), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): "
                    + new String(errors(err), StandardCharsets.UTF_8).strip());
        }
        return out;
    }

    private static byte[] errors(FutureTask<byte[]> err) {
        try {
            return err.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new byte[0];
        } catch (ExecutionException | TimeoutException e) {
            return new byte[0];
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
