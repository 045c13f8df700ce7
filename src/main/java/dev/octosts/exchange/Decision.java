package dev.octosts.exchange;

/** How an exchange ended: a token was issued, the caller was refused, or the service failed. */
public enum Decision {
    ALLOW, DENY, ERROR;

    static Decision of(GrpcCode code) {
        return switch (code) {
            case OK -> ALLOW;
            case INTERNAL, UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN, DATA_LOSS, RESOURCE_EXHAUSTED -> ERROR;
            default -> DENY;
        };
    }
}
