package dev.octosts.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongGauge;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongCounter;
import io.opentelemetry.api.metrics.ObservableLongGauge;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.helidon.webserver.http.Filter;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The service's OpenTelemetry: one tracer, one meter, the W3C propagator, and every metric the service
 * exports, by name. Exporting is off unless the standard {@code OTEL_*} variables turn it on; the
 * Prometheus text of the metrics is always available to the admin listener.
 *
 * <p>Metric labels are bounded: decision, reason code, GitHub endpoint and status, installation or App id,
 * cache result, HTTP method/route/status. Never a subject, repository or anything secret.
 */
public final class Telemetry implements AutoCloseable {
    public static final String INSTRUMENTATION_SCOPE = "dev.octosts";

    public static final AttributeKey<String> DECISION = AttributeKey.stringKey("octosts.decision");
    public static final AttributeKey<String> REASON = AttributeKey.stringKey("octosts.reason");
    public static final AttributeKey<String> WEBHOOK_EVENT = AttributeKey.stringKey("octosts.webhook.event");
    public static final AttributeKey<String> WEBHOOK_OUTCOME = AttributeKey.stringKey("octosts.webhook.outcome");
    static final AttributeKey<String> STEP = AttributeKey.stringKey("octosts.step");
    static final AttributeKey<String> LISTENER = AttributeKey.stringKey("octosts.listener");
    private static final AttributeKey<String> EVENT = AttributeKey.stringKey("octosts.http.event");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("octosts.outcome");
    static final AttributeKey<String> CACHE_RESULT = AttributeKey.stringKey("octosts.cache.result");
    static final AttributeKey<String> GITHUB_ENDPOINT = AttributeKey.stringKey("octosts.github.endpoint");
    static final AttributeKey<Long> GITHUB_INSTALLATION = AttributeKey.longKey("octosts.github.installation_id");
    static final AttributeKey<Long> GITHUB_APP = AttributeKey.longKey("octosts.github.app_id");
    static final AttributeKey<String> KEY = AttributeKey.stringKey("octosts.key");
    /** The key that signs GitHub App JWTs (a PEM file or an HSM). */
    public static final String GITHUB_APP_KEY = "github_app";
    /** The key that signs ledger checkpoints. */
    public static final String LEDGER_KEY = "ledger";

    private static final List<Double> SECONDS_BUCKETS = List.of(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

    private final OpenTelemetry openTelemetry;
    private final PrometheusReader prometheus;
    private final OpenTelemetrySdk owned;
    /** The log records' way to OTLP (OTEL_LOGS_EXPORTER); null when logs are not exported. */
    private java.util.logging.Handler logExport;
    private final Tracer tracer;
    private final LongCounter exchanges;
    private final LongCounter exchangesUnrecorded;
    private final LongCounter refusedBeforeRouting;
    private final DoubleHistogram exchangeDuration;
    private final DoubleHistogram exchangeStepDuration;
    private final LongHistogram ledgerBatchSize;
    private final DoubleHistogram ledgerCommitDuration;
    private final LongCounter ledgerWriteFailures;
    private final LongCounter ledgerRecordsReduced;
    private final LongCounter githubCalls;
    private final LongGauge githubRateLimitRemaining;
    private final LongGauge githubRateLimitLimit;
    private final LongCounter policyCache;
    private final LongCounter webhookDeliveries;
    private final DoubleHistogram signingDuration;
    private final LongCounter signingFailures;
    private final DoubleHistogram httpServerDuration;
    private final DoubleHistogram httpClientDuration;
    private final List<AutoCloseable> observers = new ArrayList<>();

    private Telemetry(OpenTelemetry openTelemetry, PrometheusReader prometheus, OpenTelemetrySdk owned) {
        this.openTelemetry = openTelemetry;
        this.prometheus = prometheus;
        this.owned = owned;
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION_SCOPE);
        Meter meter = openTelemetry.getMeter(INSTRUMENTATION_SCOPE);
        exchanges = meter.counterBuilder("octosts.exchanges").setUnit("{exchange}")
                .setDescription("Token exchanges by decision and reason code").build();
        exchangesUnrecorded = meter.counterBuilder("octosts.exchanges.unrecorded").setUnit("{exchange}")
                .setDescription("Refused exchange requests past the budget for ledger records of refusals").build();
        refusedBeforeRouting = meter.counterBuilder("octosts.http.refused_before_routing").setUnit("{request}")
                .setDescription("Requests the HTTP layer refused before routing (oversized or malformed prologue or headers)")
                .build();
        // Exported at 0 from the start, so that an alert's increase() sees the first attack.
        exchangesUnrecorded.add(0, Attributes.of(REASON, "rate_limited"));
        refusedBeforeRouting.add(0, Attributes.of(LISTENER, "public", EVENT, "bad_request"));
        exchangeDuration = meter.histogramBuilder("octosts.exchange.duration").setUnit("s")
                .setDescription("Exchange latency, from request to durable decision")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS).build();
        exchangeStepDuration = meter.histogramBuilder("octosts.exchange.step.duration").setUnit("s")
                .setDescription("Time an exchange spent in one step (OIDC verification, GitHub calls, policy, ledger append)")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS).build();
        ledgerBatchSize = meter.histogramBuilder("octosts.ledger.batch.size").ofLongs().setUnit("{record}")
                .setDescription("Records per ledger commit")
                .setExplicitBucketBoundariesAdvice(List.of(1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L)).build();
        ledgerCommitDuration = meter.histogramBuilder("octosts.ledger.commit.duration").setUnit("s")
                .setDescription("Ledger batch commit latency")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS).build();
        ledgerWriteFailures = meter.counterBuilder("octosts.ledger.write.failures").setUnit("{record}")
                .setDescription("Records the ledger could not commit (the exchange failed closed)").build();
        ledgerRecordsReduced = meter.counterBuilder("octosts.ledger.records.reduced").setUnit("{record}")
                .setDescription("Records the database refused as written, stored reduced (reason record_reduced)").build();
        githubCalls = meter.counterBuilder("octosts.github.calls").setUnit("{call}")
                .setDescription("GitHub API calls by endpoint and HTTP status").build();
        githubRateLimitRemaining = meter.gaugeBuilder("octosts.github.ratelimit.remaining").ofLongs()
                .setUnit("{request}").setDescription("GitHub X-RateLimit-Remaining, per installation or App").build();
        githubRateLimitLimit = meter.gaugeBuilder("octosts.github.ratelimit.limit").ofLongs()
                .setUnit("{request}").setDescription("GitHub X-RateLimit-Limit, per installation or App").build();
        policyCache = meter.counterBuilder("octosts.policy.cache").setUnit("{lookup}")
                .setDescription("Trust policy reads by cache result (hit, miss)").build();
        webhookDeliveries = meter.counterBuilder("octosts.webhook.deliveries").setUnit("{delivery}")
                .setDescription("Policy-validation webhook deliveries by event and outcome").build();
        signingDuration = meter.histogramBuilder("octosts.signing.duration").setUnit("s")
                .setDescription("Time to make one signature with a service key (App JWT, ledger checkpoint)")
                .build();
        signingFailures = meter.counterBuilder("octosts.signing.failures").setUnit("{signature}")
                .setDescription("Signatures a key could not make (e.g. an HSM that went away), by key").build();
        // Failure counters start at 0, so rate() and increase() see their first failure.
        ledgerWriteFailures.add(0);
        ledgerRecordsReduced.add(0);
        signingFailures.add(0, Attributes.of(KEY, GITHUB_APP_KEY));
        httpServerDuration = meter.histogramBuilder("http.server.request.duration").setUnit("s")
                .setDescription("Duration of HTTP server requests")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS).build();
        httpClientDuration = meter.histogramBuilder("http.client.request.duration").setUnit("s")
                .setDescription("Duration of GitHub API calls, from sending the request to the answer or the failure")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS).build();
    }

    /**
     * The SDK configured by the standard {@code OTEL_*} environment variables and system properties
     * ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_TRACES_EXPORTER=otlp}, sampler settings…); with
     * {@code OTEL_LOGS_EXPORTER} set, the process's log records are exported too, until this closes.
     */
    public static Telemetry fromEnvironment() {
        PrometheusReader prometheus = new PrometheusReader();
        OtelEnvironment.Sdk configured = OtelEnvironment.build(prometheus);
        Telemetry telemetry = new Telemetry(configured.sdk(), prometheus, configured.sdk());
        if (configured.exportsLogs()) {
            telemetry.logExport = new OtlpLogHandler(configured.sdk().getLogsBridge());
            java.util.logging.Logger.getLogger("").addHandler(telemetry.logExport);
        }
        return telemetry;
    }

    /** An SDK the caller built and owns (tests); {@code prometheus} may be null. */
    public static Telemetry of(OpenTelemetry openTelemetry, PrometheusReader prometheus) {
        return new Telemetry(openTelemetry, prometheus, null);
    }

    /** No spans, no metrics. */
    public static Telemetry off() {
        return new Telemetry(OpenTelemetry.noop(), null, null);
    }

    /**
     * Emits a signed ledger head as a log record (event {@code octosts.ledger.head}, body the compact JWS),
     * so that a Collector ships it to a store the ledger database's administrators cannot rewrite. Dropped
     * unless {@code OTEL_LOGS_EXPORTER} names an exporter.
     */
    public void ledgerHead(Instant signedAt, String signed) {
        openTelemetry.getLogsBridge().get(INSTRUMENTATION_SCOPE).logRecordBuilder()
                .setEventName("octosts.ledger.head")
                .setTimestamp(signedAt)
                .setSeverity(Severity.INFO)
                .setBody(signed)
                .emit();
    }

    public Tracer tracer() {
        return tracer;
    }

    public TextMapPropagator propagator() {
        return openTelemetry.getPropagators().getTextMapPropagator();
    }

    /**
     * Runs {@code body} in a child span of the current one (internal work worth seeing in a trace, such
     * as an OIDC discovery fetch); an exception marks the span as failed and goes on.
     */
    public <T> T inSpan(String name, Map<String, String> attributes, Supplier<T> body) {
        Span span = tracer.spanBuilder(name).startSpan();
        attributes.forEach(span::setAttribute);
        try (Scope ignored = span.makeCurrent()) {
            return body.get();
        } catch (RuntimeException | Error e) {
            span.setStatus(StatusCode.ERROR);
            span.setAttribute("error.type", e.getClass().getName());
            throw e;
        } finally {
            span.end();
        }
    }

    /** The metrics in the Prometheus text format; empty when no reader is registered. */
    public String prometheusText() {
        return prometheus == null ? "" : prometheus.scrape();
    }

    /**
     * A Helidon filter that makes a server span (W3C trace context from the caller) per request.
     *
     * @param routes the listener's literal paths, the only values {@code http.route} takes
     */
    public Filter httpServerFilter(String listener, Set<String> routes) {
        return new HttpServerTracing(this, listener, routes);
    }

    public void exchangeDecided(String decision, String reason, long nanos) {
        exchanges.add(1, Attributes.of(DECISION, decision, REASON, reason));
        exchangeDuration.record(nanos / 1e9, Attributes.of(DECISION, decision));
    }

    /** A request refused before it reached a route ({@code event}: Helidon's kind of early refusal). */
    public void requestRefusedBeforeRouting(String listener, String event) {
        refusedBeforeRouting.add(1, Attributes.of(LISTENER, listener, EVENT, event));
    }

    /** A refused request answered without a ledger record (its budget for records was spent). */
    public void exchangeUnrecorded(String reason) {
        exchangesUnrecorded.add(1, Attributes.of(REASON, reason));
    }

    /** One step of an exchange ended; {@code step} is one of the exchange's fixed step names. */
    public void exchangeStepEnded(String step, long nanos) {
        exchangeStepDuration.record(nanos / 1e9, Attributes.of(STEP, step));
    }

    public void ledgerCommitted(int records, long nanos) {
        ledgerBatchSize.record(records);
        ledgerCommitDuration.record(nanos / 1e9);
    }

    public void ledgerWriteFailed(int records) {
        ledgerWriteFailures.add(records);
    }

    public void ledgerRecordReduced() {
        ledgerRecordsReduced.add(1);
    }

    public void observeLedgerQueue(IntSupplier depth) {
        ObservableLongGauge gauge = openTelemetry.getMeter(INSTRUMENTATION_SCOPE)
                .gaugeBuilder("octosts.ledger.queue.depth").ofLongs().setUnit("{record}")
                .setDescription("Appends waiting for the ledger writer")
                .buildWithCallback(measurement -> measurement.record(depth.getAsInt()));
        synchronized (observers) {
            observers.add(gauge);
        }
    }

    /** Answers to callers over their budget that were held, and those sent at once because every hold was taken. */
    public void observeHeldAnswers(LongSupplier held, LongSupplier sentAtOnce) {
        ObservableLongCounter counter = openTelemetry.getMeter(INSTRUMENTATION_SCOPE)
                .counterBuilder("octosts.requests.held").setUnit("{request}")
                .setDescription("Refusals held before their answer (held), or answered at once and closed (closed)")
                .buildWithCallback(measurement -> {
                    measurement.record(held.getAsLong(), Attributes.of(OUTCOME, "held"));
                    measurement.record(sentAtOnce.getAsLong(), Attributes.of(OUTCOME, "closed"));
                });
        synchronized (observers) {
            observers.add(counter);
        }
    }

    /**
     * Exports the counts of a PKCS#11 token's signer: signatures made, failed, provider re-initialisations
     * after a lost session, and the total time spent signing.
     *
     * @param stats read on every collection; the four counts, in that order, the time in microseconds
     */
    public void observeTokenSigning(java.util.function.Supplier<long[]> stats) {
        Meter meter = openTelemetry.getMeter(INSTRUMENTATION_SCOPE);
        List<AutoCloseable> instruments = List.of(
                meter.counterBuilder("octosts.hsm.signatures").setUnit("{signature}")
                        .setDescription("Signatures made by the PKCS#11 token")
                        .buildWithCallback(m -> m.record(stats.get()[0])),
                meter.counterBuilder("octosts.hsm.sign.failures").setUnit("{signature}")
                        .setDescription("Signatures the PKCS#11 token failed to make")
                        .buildWithCallback(m -> m.record(stats.get()[1])),
                meter.counterBuilder("octosts.hsm.reinitialisations").setUnit("{reinitialisation}")
                        .setDescription("PKCS#11 provider re-initialisations after a lost session or token")
                        .buildWithCallback(m -> m.record(stats.get()[2])),
                meter.counterBuilder("octosts.hsm.sign.time").ofDoubles().setUnit("s")
                        .setDescription("Total time spent signing in the PKCS#11 token")
                        .buildWithCallback(m -> m.record(stats.get()[3] / 1e6)));
        synchronized (observers) {
            observers.addAll(instruments);
        }
    }

    /** One signature made (or failed) with a service key, and how long it took. */
    void signed(String key, long nanos, boolean failed) {
        signingDuration.record(nanos / 1e9, Attributes.of(KEY, key));
        if (failed) {
            signingFailed(key);
        }
    }

    /** @param key which key failed to sign, e.g. {@link #GITHUB_APP_KEY} */
    public void signingFailed(String key) {
        signingFailures.add(1, Attributes.of(KEY, key));
    }

    /**
     * Counts a trust-policy lookup and marks the current span (the policy read) with its result.
     *
     * @param result {@code hit} (served from cache) or {@code miss} (read from GitHub)
     */
    public void policyCache(String result) {
        policyCache.add(1, Attributes.of(CACHE_RESULT, result));
        Span.current().setAttribute(CACHE_RESULT, result);
    }

    /**
     * Counts one webhook delivery.
     *
     * @param event  the {@code X-GitHub-Event} name when it is a known one, else {@code unknown}
     * @param outcome a fixed word, e.g. {@code checked}, {@code skipped}, {@code rejected}
     */
    public void webhookDelivered(String event, String outcome) {
        webhookDeliveries.add(1, Attributes.of(WEBHOOK_EVENT, event, WEBHOOK_OUTCOME, outcome));
    }

    /**
     * Starts the client span of one GitHub call.
     *
     * @param endpoint       a fixed name, e.g. {@code installations.list}
     * @param template       the path with ids replaced, e.g. {@code /app/installations/{installation_id}/access_tokens}
     * @param installationId the installation whose token authorizes the call, or 0 for the App's JWT
     */
    public GitHubCall gitHubCall(String endpoint, String method, String template, URI uri, long appId,
                                 long installationId) {
        return new GitHubCall(this, endpoint, method, template, uri, appId, installationId);
    }

    void githubCallEnded(String endpoint, String status, Attributes rateLimitOwner, Long remaining, Long limit, long nanos) {
        Attributes call = Attributes.of(GITHUB_ENDPOINT, endpoint, AttributeKey.stringKey("http.response.status_code"), status);
        githubCalls.add(1, call);
        httpClientDuration.record(nanos / 1e9, call);
        if (rateLimitOwner != null && remaining != null) {
            githubRateLimitRemaining.set(remaining, rateLimitOwner);
            if (limit != null) {
                githubRateLimitLimit.set(limit, rateLimitOwner);
            }
        }
    }

    void httpServerRequest(Attributes attributes, long nanos) {
        httpServerDuration.record(nanos / 1e9, attributes);
    }

    @Override
    public void close() {
        synchronized (observers) {
            for (AutoCloseable observer : observers) {
                try {
                    observer.close();
                } catch (Exception ignored) {
                    // Unregistering a callback does not fail.
                }
            }
            observers.clear();
        }
        if (logExport != null) {
            java.util.logging.Logger.getLogger("").removeHandler(logExport);
        }
        if (owned != null) {
            owned.close();
        }
    }
}
