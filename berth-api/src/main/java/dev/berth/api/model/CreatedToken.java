package dev.berth.api.model;

/** The answer to {@code POST /v1/tokens}: the only time {@code secret} is shown. */
public record CreatedToken(TokenInfo token, String secret) {}
