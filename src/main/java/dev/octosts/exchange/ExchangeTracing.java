package dev.octosts.exchange;

import dev.octosts.telemetry.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The exchange as a trace: one span per exchange (a child of the HTTP server span) carrying the
 * record's facts as {@code octosts.*} attributes, one child span per step, and the exchange metrics
 * (its duration, and each step's).
 * Only what the record holds is exported, so never a raw token: an issued token only as its SHA-256.
 */
final class ExchangeTracing {
    /** The steps of an exchange, each a child span and a sample of the step duration metric under its name. */
    enum Step {
        OIDC_VERIFY, GITHUB_INSTALLATION, POLICY_ALLOWLIST, POLICY_READ, POLICY_CHECK, REPLAY_CHECK, GITHUB_MINT,
        LEDGER_APPEND, LEDGER_LOOKUP, GITHUB_REVOKE;

        /** The span's name and the metric's {@code step} label: {@code POLICY_READ} is {@code policy.read}. */
        final String spanName = name().toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static final AttributeKey<Double> QUEUE_WAIT = AttributeKey.doubleKey("octosts.ledger.queue_wait_seconds");
    private static final AttributeKey<Double> COMMIT = AttributeKey.doubleKey("octosts.ledger.commit_seconds");
    private static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("octosts.ledger.batch_size");
    private static final AttributeKey<String> CHAIN_ID = AttributeKey.stringKey("octosts.ledger.chain_id");
    private static final AttributeKey<Long> SEQ = AttributeKey.longKey("octosts.ledger.seq");

    private final Telemetry telemetry;

    ExchangeTracing(Telemetry telemetry) {
        this.telemetry = telemetry;
    }

    /** Starts the span of one exchange and makes it current until {@link Traced#close()}. */
    Traced start(String name) {
        return new Traced(telemetry, name);
    }

    /** One exchange's span. Not thread-safe: it lives on the exchange's thread. */
    static final class Traced implements AutoCloseable {
        private final Telemetry telemetry;
        private final Tracer tracer;
        private final Span span;
        private final Scope scope;
        private final long started = System.nanoTime();
        /** Where the ledger put this exchange's record, for its decision event; null until appended. */
        private ExchangeRecorder.Receipt receipt;

        private Traced(Telemetry telemetry, String name) {
            this.telemetry = telemetry;
            this.tracer = telemetry.tracer();
            this.span = tracer.spanBuilder(name).startSpan();
            this.scope = span.makeCurrent();
        }

        /** Stamps the record with this trace, so a ledger record leads to it (nothing when not sampled). */
        void correlate(RecordBuilder record) {
            SpanContext context = span.getSpanContext();
            if (context.isValid()) {
                record.trace(context.getTraceId(), context.getSpanId());
            }
        }

        /** Runs one step of the exchange in its own child span. */
        <T> T step(Step step, Supplier<T> body) {
            long stepStarted = System.nanoTime();
            Span child = tracer.spanBuilder(step.spanName).startSpan();
            try (Scope ignored = child.makeCurrent()) {
                return body.get();
            } catch (RuntimeException | Error e) {
                child.setStatus(StatusCode.ERROR);
                child.setAttribute("error.type", e.getClass().getName());
                throw e;
            } finally {
                child.end();
                telemetry.exchangeStepEnded(step.spanName, System.nanoTime() - stepStarted);
            }
        }

        /** The ledger append, with its queue wait and its batch's commit (as the ledger timed them). */
        ExchangeRecorder.Receipt append(ExchangeRecorder recorder, ExchangeRecord record)
                throws ExchangeRecorder.RecordingException {
            long appendStarted = System.nanoTime();
            Span append = tracer.spanBuilder(Step.LEDGER_APPEND.spanName).startSpan();
            try (Scope ignored = append.makeCurrent()) {
                ExchangeRecorder.Receipt receipt = recorder.append(record);
                this.receipt = receipt;
                append.setAttribute(QUEUE_WAIT, receipt.queueWait().toNanos() / 1e9);
                append.setAttribute(COMMIT, receipt.commit().toNanos() / 1e9);
                append.setAttribute(BATCH_SIZE, receipt.batchSize());
                span.setAttribute(CHAIN_ID, receipt.chainId().toString());
                span.setAttribute(SEQ, receipt.seq());
                return receipt;
            } catch (ExchangeRecorder.RecordingException e) {
                append.setStatus(StatusCode.ERROR);
                append.setAttribute("error.type", "ledger_unavailable");
                throw e;
            } finally {
                append.end();
                telemetry.exchangeStepEnded(Step.LEDGER_APPEND.spanName, System.nanoTime() - appendStarted);
            }
        }

        /** Puts the decided record's facts on the exchange span and counts the exchange. */
        void decided(ExchangeRecord record) {
            span.setAttribute("octosts.request_id", record.requestId());
            span.setAttribute("octosts.scope", record.scope());
            span.setAttribute("octosts.identity", record.identity());
            span.setAttribute(Telemetry.DECISION, record.decision().label());
            span.setAttribute(Telemetry.REASON, record.reason());
            span.setAttribute(AttributeKey.longKey("octosts.grpc_code"), (long) record.code().value());
            if (record.actor() != null) {
                span.setAttribute("octosts.actor.issuer", record.actor().issuer());
                span.setAttribute("octosts.actor.subject", record.actor().subject());
            }
            if (record.policy() != null) {
                span.setAttribute("octosts.policy.repository", record.policy().owner() + "/" + record.policy().repo());
                span.setAttribute("octosts.policy.path", record.policy().path());
                span.setAttribute("octosts.policy.sha256", record.policy().sha256());
            }
            if (record.allowlist() != null) {
                span.setAttribute("octosts.allowlist.mode", record.allowlist().mode());
                span.setAttribute("octosts.allowlist.allowed", record.allowlist().allowed());
            }
            ExchangeRecord.Issued issued = record.issued();
            if (issued != null) {
                span.setAttribute(AttributeKey.longKey("octosts.app_id"), issued.appId());
                span.setAttribute(AttributeKey.longKey("octosts.installation_id"), issued.installationId());
                span.setAttribute(AttributeKey.stringArrayKey("octosts.permissions"), permissions(issued.permissions()));
                if (issued.repositories() != null) {
                    span.setAttribute(AttributeKey.stringArrayKey("octosts.repositories"), issued.repositories());
                }
                span.setAttribute("octosts.token_sha256", issued.tokenSha256());
            }
            if (record.decision() == Decision.ERROR) {
                span.setStatus(StatusCode.ERROR, record.reason());
            }
            telemetry.exchangeDecided(record.decision().label(), record.reason(), System.nanoTime() - started);
            DecisionEvent.emit(record, receipt);
        }

        private static List<String> permissions(Map<String, String> permissions) {
            return permissions.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).sorted().toList();
        }

        @Override
        public void close() {
            scope.close();
            span.end();
        }
    }

    /** The trace of the current request (an admin read), for records made outside an exchange span. */
    static void correlateWithCurrent(RecordBuilder record) {
        SpanContext context = Span.fromContext(Context.current()).getSpanContext();
        if (context.isValid()) {
            record.trace(context.getTraceId(), context.getSpanId());
        }
    }
}
