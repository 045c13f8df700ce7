package dev.octosts.exchange;

import dev.octosts.oidc.OidcResult;
import dev.octosts.oidc.OidcVerifier;
import dev.octosts.oidc.UnverifiedIssuer;
import dev.octosts.oidc.VerifiedToken;

import java.util.List;
import java.util.function.Supplier;

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

    /** The issuer and subject the request's token claims, unverified (for budgets and turns only). */
    static UnverifiedIssuer.Claimed claimed(List<String> authorization) {
        return authorization.size() == 1 ? UnverifiedIssuer.claimed(bearerOf(authorization.getFirst()))
                : UnverifiedIssuer.Claimed.NOTHING;
    }

    /** The token of the request's one {@code Authorization} header (for its SHA-256 once it is verified). */
    static String tokenOf(List<String> authorization) {
        return bearerOf(authorization.getFirst());
    }

    private static String bearerOf(String header) {
        return header.startsWith(BEARER_PREFIX) ? header.substring(BEARER_PREFIX.length()) : header;
    }

    /** The caller the request's token claims, parsed once, and only when first asked for. */
    static final class Claim implements Supplier<UnverifiedIssuer.Claimed> {
        private final List<String> authorization;
        private UnverifiedIssuer.Claimed claimed;

        Claim(List<String> authorization) {
            this.authorization = authorization;
        }

        @Override
        public UnverifiedIssuer.Claimed get() {
            if (claimed == null) {
                claimed = BearerAuthentication.claimed(authorization);
            }
            return claimed;
        }
    }
}
