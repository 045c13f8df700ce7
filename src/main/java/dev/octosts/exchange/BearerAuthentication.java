package dev.octosts.exchange;

import dev.octosts.oidc.OidcResult;
import dev.octosts.oidc.OidcVerifier;
import dev.octosts.oidc.UnverifiedIssuer;
import dev.octosts.oidc.VerifiedToken;

import java.util.List;

/**
 * Who is calling: the OIDC token of the request's one {@code Authorization} header, as Octo STS reads
 * it (the {@code "Bearer "} prefix is stripped case-sensitively; without it the whole value is the token).
 */
final class BearerAuthentication {
    private static final String BEARER_PREFIX = "Bearer ";

    private final OidcVerifier oidc;

    BearerAuthentication(OidcVerifier oidc) {
        this.oidc = oidc;
    }

    /** Verifies the caller's token and adds the caller (or the failure's detail) to the record. */
    Outcome<VerifiedToken> authenticate(List<String> authorization, RecordBuilder record) {
        if (authorization.size() != 1) {
            return Outcome.refused(Reason.MISSING_AUTHORIZATION.refusal());
        }
        return switch (oidc.verify(bearerOf(authorization.getFirst()))) {
            case OidcResult.Rejected rejected -> {
                record.detail(rejected.detail());
                yield Outcome.refused(Reason.of(rejected).refusal());
            }
            case OidcResult.Verified verified -> {
                record.actor(verified.token());
                yield Outcome.of(verified.token());
            }
        };
    }

    /** The issuer the request's token claims, unverified (for budgets only); null when there is none. */
    static String claimedIssuer(List<String> authorization) {
        return authorization.size() == 1 ? UnverifiedIssuer.of(bearerOf(authorization.getFirst())) : null;
    }

    /** The token of the request's one {@code Authorization} header (for its SHA-256 once it is verified). */
    static String tokenOf(List<String> authorization) {
        return bearerOf(authorization.getFirst());
    }

    private static String bearerOf(String header) {
        return header.startsWith(BEARER_PREFIX) ? header.substring(BEARER_PREFIX.length()) : header;
    }
}
