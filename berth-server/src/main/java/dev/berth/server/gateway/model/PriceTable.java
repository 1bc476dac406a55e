package dev.berth.server.gateway.model;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a call cost, exactly: tokens times the configured US dollars per million tokens, in
 * {@link BigDecimal} (a price of 0.3 is three tenths, not the nearest double). A model is priced by
 * its own name or else by the longest configured name it starts with, so {@code claude-sonnet-4-5}
 * prices {@code claude-sonnet-4-5-20250929} as the upstream reports it.
 */
public final class PriceTable {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private record Price(String model, BigDecimal input, BigDecimal output, BigDecimal cacheRead, BigDecimal cacheWrite) {}

    /** Longest names first, so the first prefix that fits is the most specific. */
    private final List<Price> prices;

    public PriceTable(Map<String, ModelPrice> table) {
        prices = table.entrySet().stream()
                .map(e -> new Price(e.getKey(), exact(e.getValue().input()), exact(e.getValue().output()),
                        exact(e.getValue().cacheRead()), exact(e.getValue().cacheWrite())))
                .sorted(Comparator.comparingInt((Price p) -> p.model().length()).reversed())
                .toList();
    }

    /** The decimal the configuration wrote, not the binary double's expansion. */
    private static BigDecimal exact(double perMillion) {
        return new BigDecimal(Double.toString(perMillion));
    }

    public boolean prices(String model) {
        return price(model).isPresent();
    }

    /** The cost in US dollars; zero for a model without a price. */
    public BigDecimal cost(String model, TokenUsage t) {
        return price(model).map(p -> p.input().multiply(BigDecimal.valueOf(t.input()))
                        .add(p.output().multiply(BigDecimal.valueOf(t.output())))
                        .add(p.cacheRead().multiply(BigDecimal.valueOf(t.cacheRead())))
                        .add(p.cacheWrite().multiply(BigDecimal.valueOf(t.cacheWrite())))
                        .divide(MILLION))
                .map(PriceTable::tidy)
                .orElse(BigDecimal.ZERO);
    }

    /** Without trailing zeros, but never in exponent form ({@code 10}, not {@code 1E+1}). */
    static BigDecimal tidy(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }

    private Optional<Price> price(String model) {
        if (model == null) {
            return Optional.empty();
        }
        for (Price p : prices) {
            if (p.model().equals(model)) {
                return Optional.of(p);
            }
        }
        return prices.stream().filter(p -> model.startsWith(p.model())).findFirst();
    }
}
