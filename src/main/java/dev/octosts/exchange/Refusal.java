package dev.octosts.exchange;

import java.util.Objects;

/**
 * Why a request did not get what it asked for: the {@link Reason} (its code for the record and metrics,
 * its gRPC code) and the message the caller sees, made by the reason ({@link Reason#refusal()}). The
 * record of a request that did get it ends the same way, with {@link Reason#ISSUED} or
 * {@link Reason#AUDIT_READ} and gRPC OK.
 */
public record Refusal(Reason reason, String message) {
    public Refusal {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }

    public GrpcCode code() {
        return reason.grpcCode();
    }
}
