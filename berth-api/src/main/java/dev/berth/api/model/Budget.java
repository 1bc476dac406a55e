package dev.berth.api.model;

import java.math.BigDecimal;

/**
 * {@code PUT /v1/sessions/{id}/budget}: what a session's model calls may spend in all, counted from
 * its first call. Either limit may be left out; both left out removes the budget.
 *
 * @param tokens tokens of every kind (input, output, cache reads and writes) together
 * @param usd cost in US dollars, as the gateway's price table reckons it
 */
public record Budget(Long tokens, BigDecimal usd) {}
