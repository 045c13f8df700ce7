package dev.octosts.exchange;

import java.util.Locale;

/**
 * How a request ended: a token was issued, the caller was refused, or the service failed; {@code REVOKE}
 * for every answered revocation request ({@code DELETE /sts/token}), whose reason says what it found.
 */
public enum Decision {
    ALLOW, DENY, ERROR, REVOKE;

    /** The lowercase name the ledger stores: {@code allow}, {@code deny}, {@code error} or {@code revoke}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a label in any case. */
    public static Decision parse(String label) {
        for (Decision decision : values()) {
            if (decision.label().equalsIgnoreCase(label)) {
                return decision;
            }
        }
        throw new IllegalArgumentException("must be allow, deny, error or revoke");
    }

    /** The decision of a request that ended with {@code reason}: revoke for a revocation's three answers. */
    static Decision of(Reason reason) {
        return switch (reason) {
            case REVOKED, NOT_ISSUED, ALREADY_ENDED -> REVOKE;
            default -> of(reason.grpcCode());
        };
    }

    private static Decision of(GrpcCode code) {
        return switch (code) {
            case OK -> ALLOW;
            case INTERNAL, UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN, DATA_LOSS, RESOURCE_EXHAUSTED -> ERROR;
            default -> DENY;
        };
    }
}
