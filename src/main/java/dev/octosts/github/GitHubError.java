package dev.octosts.github;

import java.util.regex.Pattern;

/**
 * A failed GitHub call. {@code status} is the HTTP status, or 0 when no response came back (transport
 * error, timeout, oversized body), or -1 when the call was not even sent because too many GitHub calls
 * were in flight from this process.
 *
 * @param rateLimited        the STRICT predicate (org trusted-issuer store): 429, or
 *                           {@code X-RateLimit-Remaining: 0}, or a {@code Retry-After} header, or a
 *                           secondary-rate-limit documentation URL on a 403; a bare 403 is not one
 * @param rateLimitedLenient the LENIENT predicate (policy reads): 403 or 429, or anything strict
 * @param message            GitHub's {@code message}, truncated, with anything token-like redacted
 */
public record GitHubError(int status, boolean rateLimited, boolean rateLimitedLenient, String message) {
    static final int MAX_MESSAGE = 200;
    private static final Pattern TOKEN_LIKE = Pattern.compile(
            "\\b(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]+|\\beyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9._-]*");

    public GitHubError {
        message = clean(message);
    }

    /** Classifies an HTTP error response. */
    static GitHubError of(int status, String remainingHeader, String retryAfterHeader, String message,
                          String documentationUrl) {
        boolean secondary = (status == 403 || status == 429) && documentationUrl != null
                && (documentationUrl.endsWith("secondary-rate-limits") || documentationUrl.endsWith("#abuse-rate-limits"));
        boolean strict = status == 429 || "0".equals(trim(remainingHeader)) || retryAfterHeader != null || secondary;
        boolean lenient = strict || status == 403;
        return new GitHubError(status, strict, lenient, message);
    }

    /** Not sent: this process already has as many GitHub calls in flight as it allows. */
    static GitHubError tooManyInFlight() {
        return new GitHubError(-1, false, false, "too many GitHub calls in flight");
    }

    public boolean overloaded() {
        return status == -1;
    }

    /** No HTTP response at all. */
    static GitHubError transport(String what) {
        return new GitHubError(0, false, false, what);
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }

    private static String clean(String message) {
        if (message == null) {
            return "";
        }
        String redacted = TOKEN_LIKE.matcher(message).replaceAll("[redacted]");
        String oneLine = redacted.replaceAll("[\\r\\n\\t]+", " ");
        return oneLine.length() <= MAX_MESSAGE ? oneLine : oneLine.substring(0, MAX_MESSAGE) + "…";
    }
}
