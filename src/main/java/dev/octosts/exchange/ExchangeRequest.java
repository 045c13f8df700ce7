package dev.octosts.exchange;

import java.util.List;

/**
 * One call to {@code /sts/exchange} as the HTTP layer received it, before anything is trusted.
 *
 * @param authorization every {@code Authorization} header value sent (Octo STS requires exactly one)
 * @param scope         the deprecated single {@code scope} parameter, "" when absent
 * @param scopes        the {@code scopes} parameter values (the octo-sts Action sends one)
 * @param identity      the trust policy name, "" when absent
 */
public record ExchangeRequest(
        String requestId,
        List<String> authorization,
        String scope,
        List<String> scopes,
        String identity,
        String remoteAddress,
        String userAgent) {

    public ExchangeRequest {
        authorization = List.copyOf(authorization);
        scopes = List.copyOf(scopes);
        scope = scope == null ? "" : scope;
        identity = identity == null ? "" : identity;
    }

    /** Octo STS: the first of {@code scopes} when given, otherwise the deprecated {@code scope}. */
    public String effectiveScope() {
        return scopes.isEmpty() ? scope : scopes.getFirst();
    }

    @Override
    public String toString() {
        return "ExchangeRequest[requestId=" + requestId + ", scope=" + effectiveScope() + ", identity=" + identity + "]";
    }
}
