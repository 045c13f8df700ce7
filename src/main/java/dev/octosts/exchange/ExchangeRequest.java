package dev.octosts.exchange;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One call to {@code /sts/exchange} as the HTTP layer received it, before anything is trusted.
 *
 * @param authorization every {@code Authorization} header value sent (Octo STS requires exactly one)
 * @param scope         the deprecated single {@code scope} parameter, "" when absent
 * @param scopes        the {@code scopes} parameter values: one repository or org (as the octo-sts Action
 *                      sends), or several repositories of one owner
 * @param identity      the trust policy name, "" when absent
 * @param downScoping   what the caller narrowed the token to; {@link DownScoping#NONE} when nothing
 */
public record ExchangeRequest(
        String requestId,
        List<String> authorization,
        String scope,
        List<String> scopes,
        String identity,
        String remoteAddress,
        String userAgent,
        DownScoping downScoping) {

    /**
     * Permissions and repositories the caller asks for, fewer than the policy grants; each null when not
     * asked. Permission names map to levels in the caller's order.
     */
    public record DownScoping(Map<String, String> permissions, List<String> repositories) {
        public static final DownScoping NONE = new DownScoping(null, null);

        public DownScoping {
            permissions = permissions == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(permissions));
            repositories = repositories == null ? null : List.copyOf(repositories);
        }

        public boolean asked() {
            return permissions != null || repositories != null;
        }
    }

    public ExchangeRequest {
        authorization = List.copyOf(authorization);
        scopes = List.copyOf(scopes);
        scope = scope == null ? "" : scope;
        identity = identity == null ? "" : identity;
        downScoping = downScoping == null ? DownScoping.NONE : downScoping;
    }

    /** A request that narrows nothing: Octo STS's. */
    public ExchangeRequest(String requestId, List<String> authorization, String scope, List<String> scopes,
                           String identity, String remoteAddress, String userAgent) {
        this(requestId, authorization, scope, scopes, identity, remoteAddress, userAgent, DownScoping.NONE);
    }

    /** Octo STS: the first of {@code scopes} when given, otherwise the deprecated {@code scope}. */
    public String effectiveScope() {
        return scopes.isEmpty() ? scope : scopes.getFirst();
    }

    /** The scopes asked for, each once, in the caller's order; the deprecated {@code scope} when none. */
    public List<String> distinctScopes() {
        return scopes.isEmpty() ? List.of(scope) : List.copyOf(new LinkedHashSet<>(scopes));
    }

    @Override
    public String toString() {
        return "ExchangeRequest[requestId=" + requestId + ", scope=" + effectiveScope() + ", identity=" + identity + "]";
    }
}
