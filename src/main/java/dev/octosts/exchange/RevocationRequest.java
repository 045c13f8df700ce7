package dev.octosts.exchange;

import java.util.List;

/**
 * One call to {@code DELETE /sts/token} as the HTTP layer received it, before anything is trusted.
 *
 * @param authorization every {@code Authorization} header value sent (exactly one is accepted: {@code
 *                      Bearer} and the GitHub token to revoke)
 */
public record RevocationRequest(String requestId, List<String> authorization, String remoteAddress,
                                String userAgent) {

    public RevocationRequest {
        authorization = List.copyOf(authorization);
    }

    @Override
    public String toString() {
        return "RevocationRequest[requestId=" + requestId + "]";
    }
}
