package dev.octosts.exchange;

import java.util.Locale;

/** How an exchange ended: a token was issued, the caller was refused, or the service failed. */
public enum Decision {
    ALLOW, DENY, ERROR;

    /** The lowercase name the ledger stores: {@code allow}, {@code deny} or {@code error}. */
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
        throw new IllegalArgumentException("must be allow, deny or error");
    }

    static Decision of(GrpcCode code) {
        return switch (code) {
            case OK -> ALLOW;
            case INTERNAL, UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN, DATA_LOSS, RESOURCE_EXHAUSTED -> ERROR;
            default -> DENY;
        };
    }
}
