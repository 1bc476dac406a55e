package dev.berth.server.gateway.model;

/**
 * What a model's tokens cost, in US dollars per million tokens.
 *
 * @param cacheRead input tokens served from the provider's prompt cache
 * @param cacheWrite input tokens written to the provider's prompt cache
 */
public record ModelPrice(double input, double output, double cacheRead, double cacheWrite) {}
