package dev.octosts.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;

import java.net.URI;
import java.util.function.BiConsumer;

/**
 * The client span and metrics of one GitHub API call: HTTP semantic-convention attributes with the
 * path as a template (no owner, repository or file name), and the W3C {@code traceparent} to send.
 */
public final class GitHubCall {
    private final Telemetry telemetry;
    private final String endpoint;
    private final Span span;
    private final Attributes rateLimitOwner;
    private final long started = System.nanoTime();

    GitHubCall(Telemetry telemetry, String endpoint, String method, String template, URI uri, long appId,
               long installationId) {
        this.telemetry = telemetry;
        this.endpoint = endpoint;
        this.rateLimitOwner = installationId > 0 ? Attributes.of(Telemetry.GITHUB_INSTALLATION, installationId)
                : appId > 0 ? Attributes.of(Telemetry.GITHUB_APP, appId) : null;
        this.span = telemetry.tracer().spanBuilder(method + " " + template)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", method)
                .setAttribute("url.template", template)
                .setAttribute("server.address", uri.getHost())
                .setAttribute(AttributeKey.longKey("server.port"), (long) port(uri))
                .setAttribute(Telemetry.GITHUB_ENDPOINT, endpoint)
                .setAllAttributes(rateLimitOwner == null ? Attributes.empty() : rateLimitOwner)
                .startSpan();
    }

    /** Adds the trace context headers to the outgoing request. */
    public void inject(BiConsumer<String, String> header) {
        telemetry.propagator().inject(Context.current().with(span), header, (carrier, key, value) -> carrier.accept(key, value));
    }

    /** The call was answered; the rate-limit headers may be null. */
    public void answered(int status, String rateLimitRemaining, String rateLimitLimit) {
        span.setAttribute(AttributeKey.longKey("http.response.status_code"), (long) status);
        Long remaining = number(rateLimitRemaining);
        if (remaining != null) {
            span.setAttribute(AttributeKey.longKey("octosts.github.ratelimit.remaining"), remaining);
        }
        if (status >= 400) {
            span.setStatus(StatusCode.ERROR);
            span.setAttribute("error.type", Integer.toString(status));
        }
        span.end();
        telemetry.githubCallEnded(endpoint, Integer.toString(status), rateLimitOwner, remaining, number(rateLimitLimit),
                System.nanoTime() - started);
    }

    /** The call produced no HTTP response. */
    public void failed(String errorType) {
        span.setStatus(StatusCode.ERROR);
        span.setAttribute("error.type", errorType);
        span.end();
        telemetry.githubCallEnded(endpoint, "error", null, null, null, System.nanoTime() - started);
    }

    private static Long number(String header) {
        if (header == null) {
            return null;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }
}
