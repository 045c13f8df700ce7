package dev.octosts.exchange;

import java.util.List;

/**
 * One request to read the ledger over the admin listener, as the HTTP layer received it.
 *
 * @param authorization every {@code Authorization} header value sent (exactly one is accepted)
 * @param operation     what is read, e.g. {@code audit/query} (the record's scope)
 * @param query         the raw query string, {@code all} when there is none (the record's identity)
 */
public record AuditRead(
        String requestId,
        List<String> authorization,
        String operation,
        String query,
        String remoteAddress,
        String userAgent) {

    public AuditRead {
        authorization = List.copyOf(authorization);
    }
}
