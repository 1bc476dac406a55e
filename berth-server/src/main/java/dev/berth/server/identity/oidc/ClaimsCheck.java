package dev.berth.server.identity.oidc;

import static dev.berth.server.identity.oidc.TokenRejected.Reason.EXPIRED;
import static dev.berth.server.identity.oidc.TokenRejected.Reason.MALFORMED;
import static dev.berth.server.identity.oidc.TokenRejected.Reason.MISSING_CLAIM;
import static dev.berth.server.identity.oidc.TokenRejected.Reason.NOT_YET_VALID;
import static dev.berth.server.identity.oidc.TokenRejected.Reason.WRONG_AUDIENCE;
import static dev.berth.server.identity.oidc.TokenRejected.Reason.WRONG_ISSUER;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.berth.api.model.Role;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The claim rules, with a precise reason for each failure (Nimbus's own claims verifier says only
 * "rejected"): {@code iss} exact, {@code aud} containing ours, {@code exp} required, {@code nbf}
 * and {@code iat} not in the future, each within the configured skew; then the user, groups and role.
 */
final class ClaimsCheck {
    private final OidcConfig config;
    private final String issuer;
    private final Duration skew;
    private final Map<String, Role> roles;
    private static final List<Role> PRECEDENCE = List.of(Role.ADMIN, Role.OPERATOR, Role.AUDITOR, Role.USER);

    ClaimsCheck(OidcConfig config) {
        this.config = config;
        this.issuer = config.issuer().toString();
        this.skew = config.maxClockSkew();
        Map<String, Role> r = new LinkedHashMap<>();
        config.roleMapping().forEach((group, role) -> r.put(group, Role.parse(role)));
        this.roles = Map.copyOf(r);
    }

    /**
     * Done before the signature too: a token from another issuer is named as such, and cannot make
     * us refetch our provider's keys for a {@code kid} it never had.
     */
    void issuer(JWTClaimsSet claims) throws TokenRejected {
        String iss = claims.getIssuer();
        if (iss == null) {
            throw new TokenRejected(MISSING_CLAIM, "the token has no iss claim");
        }
        if (!iss.equals(issuer)) {
            throw new TokenRejected(WRONG_ISSUER, "the token is from issuer " + TokenRejected.quote(iss) + ", not " + issuer);
        }
    }

    VerifiedToken check(JWTClaimsSet claims, Instant now) throws TokenRejected {
        issuer(claims);
        List<String> aud = claims.getAudience();
        if (aud.isEmpty()) {
            throw new TokenRejected(MISSING_CLAIM, "the token has no aud claim");
        }
        if (!aud.contains(config.audience())) {
            throw new TokenRejected(WRONG_AUDIENCE, "the token is not meant for audience " + config.audience());
        }
        Instant exp = instant(claims.getExpirationTime());
        if (exp == null) {
            throw new TokenRejected(MISSING_CLAIM, "the token has no exp claim");
        }
        if (!now.isBefore(exp.plus(skew))) {
            throw new TokenRejected(EXPIRED, "the token expired at " + exp);
        }
        Instant nbf = instant(claims.getNotBeforeTime());
        if (nbf != null && now.plus(skew).isBefore(nbf)) {
            throw new TokenRejected(NOT_YET_VALID, "the token is not valid before " + nbf);
        }
        Instant iat = instant(claims.getIssueTime());
        if (iat != null && now.plus(skew).isBefore(iat)) {
            throw new TokenRejected(NOT_YET_VALID, "the token was issued in the future (" + iat + ")");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new TokenRejected(MISSING_CLAIM, "the token has no sub claim");
        }
        String user = stringClaim(claims, config.userClaim());
        if (user == null || user.isBlank()) {
            throw new TokenRejected(MISSING_CLAIM, "the token has no " + config.userClaim() + " claim (the configured user claim)");
        }
        List<String> groups = groups(claims);
        return new VerifiedToken(user, groups, forGroups(groups).wire(), exp, subject);
    }

    /**
     * The most privileged role any of {@code groups} maps to, else {@code user}. {@code auditor}
     * ranks above {@code user}: an account put in an auditor group is meant to be one (read
     * everything, change nothing), not a plain user.
     */
    private Role forGroups(List<String> groups) {
        Role best = Role.USER;
        for (String g : groups) {
            Role r = roles.get(g);
            if (r != null && PRECEDENCE.indexOf(r) < PRECEDENCE.indexOf(best)) {
                best = r;
            }
        }
        return best;
    }

    /** A list of strings, or one string (some providers send a lone group so), or nothing. */
    private List<String> groups(JWTClaimsSet claims) throws TokenRejected {
        Object value = claims.getClaim(config.groupsClaim());
        return switch (value) {
            case null -> List.of();
            case String s -> List.of(s);
            case List<?> list -> {
                List<String> out = new ArrayList<>(list.size());
                for (Object g : list) {
                    if (!(g instanceof String s)) {
                        throw new TokenRejected(MALFORMED, "the " + config.groupsClaim() + " claim holds a non-string");
                    }
                    out.add(s);
                }
                yield out;
            }
            default -> throw new TokenRejected(MALFORMED, "the " + config.groupsClaim() + " claim is not a list of strings");
        };
    }

    private static String stringClaim(JWTClaimsSet claims, String name) throws TokenRejected {
        try {
            return claims.getStringClaim(name);
        } catch (ParseException e) {
            throw new TokenRejected(MALFORMED, "the " + name + " claim is not a string");
        }
    }

    private static Instant instant(Date d) {
        return d == null ? null : d.toInstant();
    }
}
