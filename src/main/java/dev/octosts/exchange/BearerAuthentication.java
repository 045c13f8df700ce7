package dev.octosts.exchange;

import dev.octosts.oidc.OidcFailure;
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

    /** The verified token, or why there is none. */
    record Result(VerifiedToken token, Refusal refusal) {
    }

    BearerAuthentication(OidcVerifier oidc) {
        this.oidc = oidc;
    }

    /** Verifies the caller's token and adds the caller (or the failure's detail) to the record. */
    Result authenticate(List<String> authorization, RecordBuilder record) {
        if (authorization.size() != 1) {
            return new Result(null, new Refusal(GrpcCode.UNAUTHENTICATED, "missing_authorization",
                    "missing or multiple authorization headers"));
        }
        return switch (oidc.verify(bearerOf(authorization.getFirst()))) {
            case OidcResult.Rejected rejected -> {
                record.detail(rejected.detail());
                GrpcCode code = switch (rejected.failure()) {
                    case VERIFICATION_FAILED -> GrpcCode.UNAUTHENTICATED;
                    case OVERLOADED -> GrpcCode.UNAVAILABLE;
                    default -> GrpcCode.INVALID_ARGUMENT;
                };
                yield new Result(null, new Refusal(code, rejected.reason(), rejected.failure().publicMessage()));
            }
            case OidcResult.Verified verified -> {
                record.actor(verified.token());
                yield new Result(verified.token(), null);
            }
        };
    }

    /** The issuer the request's token claims, unverified (for budgets only); null when there is none. */
    static String claimedIssuer(List<String> authorization) {
        return authorization.size() == 1 ? UnverifiedIssuer.of(bearerOf(authorization.getFirst())) : null;
    }

    private static String bearerOf(String header) {
        return header.startsWith(BEARER_PREFIX) ? header.substring(BEARER_PREFIX.length()) : header;
    }
}
