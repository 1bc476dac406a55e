package dev.berth.server.secrets;

import java.util.Optional;

/**
 * How the gateway gets a credential it injects on the host side (a model API key, an MCP server's
 * token). Only the gateway calls it; no API returns what it gives.
 */
@FunctionalInterface
public interface SecretResolver {
    /** The secret's current value, or empty when no secret has that name. */
    Optional<byte[]> reveal(String name);
}
