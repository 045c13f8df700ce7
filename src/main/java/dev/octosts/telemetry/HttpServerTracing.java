package dev.octosts.telemetry;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The server span of each request, a child of the caller's W3C {@code traceparent} when it sent one,
 * with the HTTP semantic-convention attributes. No header value other than the trace context and the
 * user agent is read: never the Authorization header, never the query string.
 */
final class HttpServerTracing implements Filter {
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    /** Any other method a client makes up is {@code _OTHER}, as the semantic conventions say: a bounded label. */
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");
    private static final TextMapGetter<RoutingRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(RoutingRequest request) {
            List<String> names = new ArrayList<>();
            request.headers().forEach(header -> names.add(header.name()));
            return names;
        }

        @Override
        public String get(RoutingRequest request, String key) {
            if (request == null) {
                return null;
            }
            HeaderName name = HeaderNames.create(key);
            return request.headers().contains(name) ? request.headers().get(name).get() : null;
        }
    };

    private final Telemetry telemetry;
    private final String listener;
    private final Set<String> routes;

    HttpServerTracing(Telemetry telemetry, String listener, Set<String> routes) {
        this.telemetry = telemetry;
        this.listener = listener;
        this.routes = Set.copyOf(routes);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        Context parent = telemetry.propagator().extract(Context.root(), req, HEADERS);
        String sent = req.prologue().method().text();
        String method = METHODS.contains(sent) ? sent : "_OTHER";
        Span span = telemetry.tracer().spanBuilder(method)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(METHOD, method)
                .setAttribute("url.path", req.path().path())
                .setAttribute("url.scheme", req.isSecure() ? "https" : "http")
                .setAttribute("server.address", req.requestedUri().host())
                .setAttribute(AttributeKey.longKey("server.port"), (long) req.requestedUri().port())
                .setAttribute("network.protocol.version", req.prologue().protocolVersion())
                .setAttribute(Telemetry.LISTENER, listener)
                .startSpan();
        if (!method.equals(sent)) {
            span.setAttribute("http.request.method_original", sent);
        }
        String errorType = null;
        try (Scope ignored = span.makeCurrent()) {
            // The listeners' error handlers answer inside proceed(): an exception here is one they let through.
            chain.proceed();
        } catch (RuntimeException | Error e) {
            errorType = e.getClass().getName();
            throw e;
        } finally {
            int status = errorType != null ? 500 : res.status().code();
            // Every route is a literal path; any other path is left out (it would be an unbounded label).
            String route = routes.contains(req.path().path()) ? req.path().path() : null;
            span.setAttribute(STATUS, (long) status);
            if (route != null) {
                span.setAttribute(ROUTE, route);
                span.updateName(method + " " + route);
            }
            if (status >= 500 || errorType != null) {
                span.setStatus(StatusCode.ERROR);
                span.setAttribute("error.type", errorType != null ? errorType : Integer.toString(status));
            }
            span.end();
            AttributesBuilder attributes = Attributes.builder().put(METHOD, method).put(STATUS, (long) status)
                    .put(Telemetry.LISTENER, listener);
            if (route != null) {
                attributes.put(ROUTE, route);
            }
            telemetry.httpServerRequest(attributes.build(), System.nanoTime() - start);
        }
    }
}
