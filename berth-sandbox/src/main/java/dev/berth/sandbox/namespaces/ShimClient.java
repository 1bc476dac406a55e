package dev.berth.sandbox.namespaces;

import dev.berth.sandbox.spi.SandboxException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** Talks to one sandbox's shim over its control socket: one connection per request. */
final class ShimClient {
    private final Path socket;

    ShimClient(Path socket) {
        this.socket = socket;
    }

    /** Sends a request and returns the {@code O} reply; an {@code E} reply becomes an exception. */
    ShimMessage call(ShimMessage request) {
        try (SocketChannel ch = connect()) {
            request.writeTo(ch);
            ShimMessage reply = ShimMessage.readFrom(ch);
            if (reply == null) {
                throw new SandboxException(SandboxException.Kind.FAILED, "the sandbox supervisor closed the connection");
            }
            if (reply.is('E')) {
                throw error(reply);
            }
            return reply;
        } catch (IOException e) {
            throw new SandboxException(SandboxException.Kind.FAILED, "sandbox supervisor unreachable: " + e.getMessage(), e);
        }
    }

    boolean ping() {
        try {
            return call(ShimMessage.of('Q').build()).is('O');
        } catch (SandboxException e) {
            return false;
        }
    }

    SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    static SandboxException error(ShimMessage reply) {
        String code = reply.text('k', "error");
        String message = reply.text('m', "sandbox supervisor error");
        SandboxException.Kind kind = switch (code) {
            case "not_found" -> SandboxException.Kind.COMMAND_NOT_FOUND;
            case "exists" -> SandboxException.Kind.COMMAND_EXISTS;
            case "spawn_failed" -> SandboxException.Kind.SPAWN_FAILED;
            case "no_terminal" -> SandboxException.Kind.NO_TERMINAL;
            case "finished" -> SandboxException.Kind.COMMAND_FINISHED;
            case "busy" -> SandboxException.Kind.BUSY;
            default -> SandboxException.Kind.FAILED;
        };
        return new SandboxException(kind, message);
    }
}
