package dev.octosts.exchange;

/**
 * Why an exchange did not produce a token: the gRPC code and message the caller sees, and a stable
 * reason code for the audit record and metrics.
 */
public record Refusal(GrpcCode code, String reason, String message) {
}
