package dev.octosts.github;

import com.sun.net.httpserver.HttpServer;
import dev.octosts.telemetry.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Each GitHub call is a client span, and GitHub receives its W3C trace context. */
class GitHubClientTracingTest {

    @Test
    @SuppressWarnings("try") // the scope only makes the parent span current
    void aCallCarriesTraceparentAndIsAClientSpanOfTheCurrentSpan() throws Exception {
        List<String> traceparents = new CopyOnWriteArrayList<>();
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer github = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        github.createContext("/installation/token", exchange -> {
            traceparents.add(exchange.getRequestHeaders().getFirst("traceparent"));
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getResponseHeaders().add("X-RateLimit-Remaining", "4999");
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        github.start();
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
             GitHubClient client = new GitHubClient(URI.create("http://127.0.0.1:" + github.getAddress().getPort()),
                     Duration.ofSeconds(5), Clock.systemUTC(), Telemetry.of(sdk, null))) {
            Span parent = sdk.getTracer("test").spanBuilder("parent").startSpan();
            try (Scope ignored = parent.makeCurrent()) {
                assertThat(client.revoke("ghs_not_a_real_token")).isTrue();
            } finally {
                parent.end();
            }

            SpanData call = spans.getFinishedSpanItems().stream().filter(span -> span.getKind() == SpanKind.CLIENT)
                    .findFirst().orElseThrow();
            assertThat(call.getName()).isEqualTo("DELETE /installation/token");
            assertThat(call.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
            assertThat(call.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(204L);
            assertThat(call.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("127.0.0.1");
            assertThat(call.getAttributes().get(AttributeKey.longKey("octosts.github.ratelimit.remaining"))).isEqualTo(4999L);
            assertThat(traceparents).containsExactly("00-" + call.getTraceId() + "-" + call.getSpanId() + "-"
                    + call.getSpanContext().getTraceFlags().asHex());
            assertThat(authorizations).containsExactly("Bearer ghs_not_a_real_token");
            assertThat(call.toString()).doesNotContain("ghs_not_a_real_token");
        } finally {
            github.stop(0);
        }
    }
}
