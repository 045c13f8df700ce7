package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.telemetry.PrometheusReader;
import dev.octosts.telemetry.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One allowed and one denied exchange, traced and measured with the SDK's in-memory exporters: the
 * span tree and its attributes, the trace context from the caller to the ledger record, the counters,
 * the Prometheus scrape, and no secret anywhere in what is exported.
 */
class TelemetryTest {
    private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private static final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private static final PrometheusReader prometheus = new PrometheusReader();
    private static OpenTelemetrySdk sdk;
    private static Harness harness;
    private static final List<String> secrets = new ArrayList<>();
    private static Harness.Response allowed;
    private static Harness.Response denied;
    private static JsonNode allowedRecord;
    private static JsonNode deniedRecord;
    private static String scrape;
    /**
     * The metrics right after the two exchanges above: the tests below send requests of their own, so counts
     * are read from this snapshot, whatever order the tests run in.
     */
    private static Collection<MetricData> afterTwoExchanges;

    @BeforeAll
    static void exchange() {
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).registerMetricReader(prometheus.metricReader()).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        harness = new Harness();
        harness.installWithMainBranchPolicy("ci");
        harness.start(Telemetry.of(sdk, prometheus));

        String good = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
        String wrongSubject = harness.actionsToken(Map.of("sub", "repo:org/other:ref:refs/heads/main", "aud", Harness.DOMAIN));
        allowed = harness.send(exchangeRequest(good, "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01"));
        allowedRecord = harness.lastRecord();
        denied = harness.send(exchangeRequest(wrongSubject, null));
        deniedRecord = harness.lastRecord();
        assertThat(allowed.status()).isEqualTo(200);
        assertThat(denied.status()).isEqualTo(403);

        secrets.addAll(List.of(good, signature(good), wrongSubject, signature(wrongSubject),
                allowed.body().path("token").asText()));
        harness.github.issuedTokens().forEach(token -> secrets.add(token.token()));
        afterTwoExchanges = metrics.collectAllMetrics();
        scrape = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/observe/metrics")).GET().build())
                .raw().body();
    }

    @AfterAll
    static void stop() {
        harness.close();
        sdk.close();
    }

    private static HttpRequest exchangeRequest(String token, String traceparent) {
        HttpRequest.Builder request = HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange?scope=org/repo&identity=ci"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .GET();
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return request.build();
    }

    private static String signature(String jwt) {
        return jwt.substring(jwt.lastIndexOf('.') + 1);
    }

    private static List<SpanData> trace(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(traceId)).toList();
    }

    private static SpanData named(List<SpanData> trace, String name) {
        return trace.stream().filter(span -> span.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + names(trace)));
    }

    private static List<String> names(List<SpanData> trace) {
        return trace.stream().map(SpanData::getName).toList();
    }

    private static List<String> childNames(List<SpanData> trace, SpanData parent) {
        return trace.stream().filter(span -> span.getParentSpanId().equals(parent.getSpanId()))
                .map(SpanData::getName).toList();
    }

    @Test
    void theCallersTraceContinuesIntoAServerSpanWithHttpAttributes() {
        SpanData server = named(trace(CALLER_TRACE), "GET /sts/exchange");
        assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(server.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(server.getAttributes().get(AttributeKey.stringKey("http.request.method"))).isEqualTo("GET");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/sts/exchange");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/sts/exchange");
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
        assertThat(server.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("127.0.0.1");
    }

    @Test
    void anAllowedExchangeHasOneChildSpanPerStepAndCarriesItsFacts() {
        List<SpanData> trace = trace(CALLER_TRACE);
        SpanData server = named(trace, "GET /sts/exchange");
        SpanData exchange = named(trace, "octosts.exchange");
        assertThat(exchange.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(childNames(trace, exchange)).containsExactly("oidc.verify", "github.installation",
                "policy.allowlist", "policy.read", "policy.check", "github.mint", "ledger.append");
        SpanData append = named(trace, "ledger.append");
        assertThat(append.getAttributes().get(AttributeKey.longKey("octosts.ledger.batch_size"))).isPositive();
        assertThat(append.getAttributes().get(AttributeKey.doubleKey("octosts.ledger.commit_seconds"))).isPositive();
        assertThat(append.getAttributes().get(AttributeKey.doubleKey("octosts.ledger.queue_wait_seconds")))
                .isGreaterThanOrEqualTo(0.0);
        // The first token of the issuer loads its key set (here the configured JWKS file).
        SpanData jwks = named(trace, "oidc.jwks");
        assertThat(jwks.getParentSpanId()).isEqualTo(named(trace, "oidc.verify").getSpanId());
        assertThat(jwks.getAttributes().get(AttributeKey.stringKey("octosts.oidc.issuer"))).isEqualTo(Harness.ACTIONS_ISSUER);

        Map<String, Object> facts = exchange.getAttributes().asMap().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().getKey(), Map.Entry::getValue));
        assertThat(facts).containsEntry("octosts.decision", "allow")
                .containsEntry("octosts.reason", "issued")
                .containsEntry("octosts.grpc_code", 0L)
                .containsEntry("octosts.scope", "org/repo")
                .containsEntry("octosts.identity", "ci")
                .containsEntry("octosts.actor.issuer", Harness.ACTIONS_ISSUER)
                .containsEntry("octosts.actor.subject", "repo:org/repo:ref:refs/heads/main")
                .containsEntry("octosts.policy.path", ".github/chainguard/ci.sts.yaml")
                .containsEntry("octosts.policy.sha256", allowedRecord.path("policy").path("sha256").asText())
                .containsEntry("octosts.installation_id", allowedRecord.path("issued").path("installation_id").asLong())
                .containsEntry("octosts.permissions", List.of("contents:read"))
                .containsEntry("octosts.repositories", List.of("repo"))
                .containsEntry("octosts.token_sha256", Harness.sha256Hex(allowed.body().path("token").asText()))
                .containsEntry("octosts.ledger.chain_id", allowedRecord.path("chain_id").asText())
                .containsEntry("octosts.ledger.seq", allowedRecord.path("seq").asLong());
    }

    @Test
    void theFirstAppJwtIsSignedInASpanAndTimed() {
        List<SpanData> trace = trace(CALLER_TRACE);
        SpanData sign = named(trace, "keys.sign");
        assertThat(sign.getAttributes().get(AttributeKey.stringKey("octosts.key"))).isEqualTo("github_app");
        assertThat(sign.getAttributes().get(AttributeKey.stringKey("octosts.key.algorithm"))).isEqualTo("RS256");
        assertThat(trace).filteredOn(span -> span.getSpanId().equals(sign.getParentSpanId()))
                .extracting(SpanData::getName).containsExactly("github.installation");
        assertThat(scrape).containsPattern("octosts_signing_duration_seconds_count\\{[^}]*octosts_key=\"github_app\"[^}]*} 1");
    }

    @Test
    void githubCallsAreClientSpansWithTemplatedPaths() {
        List<SpanData> trace = trace(CALLER_TRACE);
        SpanData mint = named(trace, "github.mint");
        List<SpanData> calls = trace.stream().filter(span -> span.getParentSpanId().equals(mint.getSpanId())).toList();
        assertThat(calls).hasSize(1);
        SpanData call = calls.getFirst();
        assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(call.getName()).isEqualTo("POST /app/installations/{installation_id}/access_tokens");
        assertThat(call.getAttributes().get(AttributeKey.stringKey("http.request.method"))).isEqualTo("POST");
        assertThat(call.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(201L);
        assertThat(call.getAttributes().get(AttributeKey.stringKey("octosts.github.endpoint")))
                .isEqualTo("installation.token.create");
        // The policy read: a read token minted, the file fetched, the read token revoked.
        SpanData read = named(trace, "policy.read");
        assertThat(read.getAttributes().get(AttributeKey.stringKey("octosts.cache.result"))).isEqualTo("miss");
        assertThat(childNames(trace, read)).containsExactly(
                "POST /app/installations/{installation_id}/access_tokens",
                "GET /repos/{owner}/{repo}/contents/{path}",
                "DELETE /installation/token");
        assertThat(trace).filteredOn(span -> span.getKind() == SpanKind.CLIENT)
                .allSatisfy(span -> assertThat(span.getName()).doesNotContain("org/repo").doesNotContain("ci.sts.yaml"));
    }

    @Test
    void theLedgerRecordLeadsToTheTrace() {
        SpanData exchange = named(trace(CALLER_TRACE), "octosts.exchange");
        assertThat(allowedRecord.path("trace_id").asText()).isEqualTo(CALLER_TRACE);
        assertThat(allowedRecord.path("span_id").asText()).isEqualTo(exchange.getSpanId());
        String deniedTrace = deniedRecord.path("trace_id").asText();
        assertThat(deniedTrace).hasSize(32).isNotEqualTo(CALLER_TRACE);
        assertThat(denied.raw().headers().firstValue("X-Request-Id")).contains(deniedRecord.path("request_id").asText());
    }

    @Test
    void anAuditReadIsRecordedWithTheTraceOfItsRequest() {
        String trace = "0af7651916cd43dd8448eb211c80319c";
        Harness.Response read = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/audit/records"))
                .header("traceparent", "00-" + trace + "-b7ad6b7169203331-01").GET().build());
        assertThat(read.status()).isEqualTo(403);
        JsonNode record = harness.lastRecord();
        assertThat(record.path("reason").asText()).isEqualTo("audit_readers_not_configured");
        assertThat(record.path("trace_id").asText()).isEqualTo(trace);
        assertThat(record.path("span_id").asText()).isEqualTo(named(trace(trace), "GET /audit/records").getSpanId());
    }

    @Test
    void aDeniedExchangeStopsAtThePolicyCheck() {
        List<SpanData> trace = trace(deniedRecord.path("trace_id").asText());
        SpanData exchange = named(trace, "octosts.exchange");
        assertThat(childNames(trace, exchange)).containsExactly("oidc.verify", "github.installation",
                "policy.allowlist", "policy.read", "policy.check", "ledger.append");
        assertThat(exchange.getAttributes().get(AttributeKey.stringKey("octosts.decision"))).isEqualTo("deny");
        assertThat(exchange.getAttributes().get(AttributeKey.stringKey("octosts.reason")))
                .isEqualTo(deniedRecord.path("reason").asText());
        assertThat(exchange.getAttributes().get(AttributeKey.longKey("octosts.grpc_code"))).isEqualTo(7L);
        assertThat(exchange.getAttributes().get(AttributeKey.stringKey("octosts.token_sha256"))).isNull();
        // The policy came from the cache this time: no GitHub call under the read.
        assertThat(childNames(trace, named(trace, "policy.read"))).isEmpty();
        assertThat(named(trace, "policy.read").getAttributes().get(AttributeKey.stringKey("octosts.cache.result")))
                .isEqualTo("hit");
        assertThat(childNames(trace, named(trace, "oidc.verify"))).as("the key set is cached").isEmpty();
    }

    @Test
    void countersMoveByDecisionReasonEndpointAndCacheResult() {
        Collection<MetricData> collected = afterTwoExchanges;
        assertThat(sum(collected, "octosts.exchanges", Map.of("octosts.decision", "allow", "octosts.reason", "issued")))
                .isEqualTo(1);
        assertThat(sum(collected, "octosts.exchanges", Map.of("octosts.decision", "deny",
                "octosts.reason", deniedRecord.path("reason").asText()))).isEqualTo(1);
        assertThat(sum(collected, "octosts.policy.cache", Map.of("octosts.cache.result", "miss"))).isEqualTo(1);
        assertThat(sum(collected, "octosts.policy.cache", Map.of("octosts.cache.result", "hit"))).isEqualTo(1);
        assertThat(sum(collected, "octosts.github.calls", Map.of("octosts.github.endpoint", "installation.token.create",
                "http.response.status_code", "201"))).isEqualTo(2);
        MetricData gitHubLatency = metric(collected, "http.client.request.duration").orElseThrow();
        assertThat(gitHubLatency.getHistogramData().getPoints())
                .filteredOn(point -> point.getAttributes().asMap().equals(Map.of(
                        AttributeKey.stringKey("octosts.github.endpoint"), "installation.token.create",
                        AttributeKey.stringKey("http.response.status_code"), "201")))
                .singleElement()
                .satisfies(point -> {
                    assertThat(point.getCount()).isEqualTo(2);
                    assertThat(point.getSum()).isPositive();
                });
        assertThat(sum(collected, "octosts.ledger.write.failures", Map.of())).isZero();
        MetricData batches = metric(collected, "octosts.ledger.batch.size").orElseThrow();
        assertThat(batches.getHistogramData().getPoints().iterator().next().getSum()).isEqualTo(2);
        MetricData remaining = metric(collected, "octosts.github.ratelimit.remaining").orElseThrow();
        assertThat(remaining.getLongGaugeData().getPoints()).isNotEmpty()
                .allSatisfy(point -> assertThat(point.getAttributes().asMap().keySet())
                        .extracting(AttributeKey::getKey)
                        .containsAnyOf("octosts.github.installation_id", "octosts.github.app_id")
                        .hasSize(1));
        assertThat(metric(collected, "octosts.ledger.queue.depth").orElseThrow().getLongGaugeData().getPoints())
                .as("nothing waits in the ledger queue once both exchanges are answered")
                .singleElement().satisfies(point -> assertThat(point.getValue()).isZero());
        assertThat(metric(collected, "octosts.exchange.duration").orElseThrow().getHistogramData().getPoints())
                .extracting(point -> point.getAttributes().get(AttributeKey.stringKey("octosts.decision")),
                        point -> point.getCount())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("allow", 1L),
                        org.assertj.core.groups.Tuple.tuple("deny", 1L));
        Map<String, Long> stepCounts = new java.util.TreeMap<>();
        metric(collected, "octosts.exchange.step.duration").orElseThrow().getHistogramData().getPoints()
                .forEach(point -> stepCounts.merge(point.getAttributes().get(AttributeKey.stringKey("octosts.step")),
                        point.getCount(), Long::sum));
        // Every exchange that got this far was timed in each step, and every recorded one in its ledger append.
        assertThat(stepCounts).containsKeys("oidc.verify", "github.installation", "policy.read", "policy.check", "github.mint")
                .containsEntry("ledger.append", sum(collected, "octosts.exchanges", Map.of()));
    }

    @Test
    void theAdminListenerServesPrometheusText() {
        // Values as the exporter writes them: counters and gauges as doubles, bucket counts as integers, le last.
        assertThat(scrape).contains("# TYPE octosts_exchanges_total counter")
                .contains("octosts_exchanges_total{octosts_decision=\"allow\",octosts_reason=\"issued\"} 1.0")
                .contains("# TYPE octosts_exchange_duration_seconds histogram")
                .contains("octosts_exchange_duration_seconds_bucket{octosts_decision=\"deny\",le=\"+Inf\"} 1")
                .contains("octosts_ledger_write_failures_total 0.0")
                .contains("# TYPE octosts_ledger_queue_depth gauge");
    }

    @Test
    void httpMetricLabelsStayBoundedWhateverCallersSend() {
        java.util.Set<Long> unknownPathStatuses = new java.util.HashSet<>();
        java.util.Set<Long> unknownMethodStatuses = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            unknownPathStatuses.add((long) harness.send(HttpRequest.newBuilder(
                    harness.baseUri().resolve("/no/such/path-" + i)).GET().build()).status());
            unknownMethodStatuses.add((long) harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                    .method("BREW" + i, HttpRequest.BodyPublishers.noBody()).build()).status());
        }
        assertThat(unknownPathStatuses).containsExactly(404L);
        MetricData requests = metric(metrics.collectAllMetrics(), "http.server.request.duration").orElseThrow();
        assertThat(requests.getHistogramData().getPoints()).allSatisfy(point -> {
            assertThat(point.getAttributes().get(AttributeKey.stringKey("http.request.method")))
                    .isIn("GET", "POST", "_OTHER");
            assertThat(point.getAttributes().get(AttributeKey.stringKey("http.route")))
                    .isIn(null, "/sts/exchange", "/sts/exchange_refresh_token", "/observe/health", "/audit/records",
                            "/audit/export", "/audit/verify", "/observe/metrics");
        });
        // What the metric says is what the callers got.
        assertThat(requests.getHistogramData().getPoints())
                .filteredOn(point -> point.getAttributes().get(AttributeKey.stringKey("http.route")) == null)
                .extracting(point -> point.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                .containsExactlyInAnyOrderElementsOf(unknownPathStatuses);
        assertThat(requests.getHistogramData().getPoints())
                .filteredOn(point -> "_OTHER".equals(point.getAttributes().get(AttributeKey.stringKey("http.request.method"))))
                .extracting(point -> point.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                .containsExactlyInAnyOrderElementsOf(unknownMethodStatuses);
    }

    @Test
    void noSecretIsExportedAnywhere() {
        List<String> exported = new ArrayList<>();
        spans.getFinishedSpanItems().forEach(span -> exported.add(span.toString()));
        metrics.collectAllMetrics().forEach(metric -> exported.add(metric.toString()));
        exported.add(scrape);
        assertThat(exported).hasSizeGreaterThan(20);
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(7);
        for (String secret : secrets) {
            assertThat(exported).noneMatch(text -> text.contains(secret));
        }
    }

    private static Optional<MetricData> metric(Collection<MetricData> collected, String name) {
        return collected.stream().filter(metric -> metric.getName().equals(name)).findFirst();
    }

    /** The sum of a long counter's points whose attributes include {@code attributes}. */
    private static long sum(Collection<MetricData> collected, String name, Map<String, String> attributes) {
        return metric(collected, name).map(metric -> metric.getLongSumData().getPoints().stream()
                .filter(point -> attributes.entrySet().stream().allMatch(entry -> entry.getValue().equals(
                        String.valueOf(point.getAttributes().get(AttributeKey.stringKey(entry.getKey()))))))
                .mapToLong(LongPointData::getValue).sum()).orElse(0L);
    }
}
