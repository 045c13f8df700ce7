package dev.octosts.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** OTEL_LOGS_EXPORTER=otlp: a log record as an OpenTelemetry log record, an event's fields as its attributes. */
class OtlpLogHandlerTest {
    private final InMemoryLogRecordExporter exported = InMemoryLogRecordExporter.create();
    private final OtlpLogHandler handler = new OtlpLogHandler(SdkLoggerProvider.builder()
            .addLogRecordProcessor(SimpleLogRecordProcessor.create(exported)).build());

    @Test
    void anEventsFieldsBecomeTypedAttributesWithTheCurrentSpansContext() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("subject", "repo:a/b");
        fields.put("seq", 42L);
        fields.put("grpc_code", 7);
        fields.put("replayed", false);
        fields.put("repositories", List.of("a", "b"));
        fields.put("absent", null);
        fields.put("chain_id", new StringBuilder("0f0e"));
        LogRecord record = new LogRecord(Level.INFO, "exchange deny");
        record.setLoggerName("octosts.exchange");
        record.setInstant(Instant.parse("2026-12-06T10:00:00Z"));
        record.setParameters(new Object[] {new LogFields(fields)});
        Span span = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create()))
                .build().get("test").spanBuilder("exchange").startSpan();

        try (Scope ignored = span.makeCurrent()) {
            handler.publish(record);
        } finally {
            span.end();
        }

        LogRecordData log = exported.getFinishedLogRecordItems().getFirst();
        assertThat(exported.getFinishedLogRecordItems()).hasSize(1);
        assertThat(log.getInstrumentationScopeInfo().getName()).isEqualTo("octosts.exchange");
        assertThat(log.getTimestampEpochNanos()).isEqualTo(Instant.parse("2026-12-06T10:00:00Z").getEpochSecond() * 1_000_000_000L);
        assertThat(log.getSeverity()).isEqualTo(Severity.INFO);
        assertThat(log.getSeverityText()).isEqualTo("INFO");
        assertThat(log.getBodyValue().asString()).isEqualTo("exchange deny");
        assertThat(log.getSpanContext().getTraceId()).isEqualTo(span.getSpanContext().getTraceId());
        assertThat(log.getSpanContext().getSpanId()).isEqualTo(span.getSpanContext().getSpanId());
        assertThat(log.getAttributes().asMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
                AttributeKey.stringKey("subject"), "repo:a/b",
                AttributeKey.longKey("seq"), 42L,
                AttributeKey.longKey("grpc_code"), 7L,
                AttributeKey.booleanKey("replayed"), false,
                AttributeKey.stringArrayKey("repositories"), List.of("a", "b"),
                AttributeKey.stringKey("chain_id"), "0f0e"));
    }

    @Test
    void anExceptionIsThreeAttributesAndTheMessageIsFormatted() {
        LogRecord record = new LogRecord(Level.SEVERE, "ledger write failed for {0}");
        record.setLoggerName("dev.octosts.ledger.Ledger");
        record.setParameters(new Object[] {"chain a"});
        record.setThrown(new IllegalStateException("connection reset"));

        handler.publish(record);

        LogRecordData log = exported.getFinishedLogRecordItems().getFirst();
        assertThat(log.getBodyValue().asString()).isEqualTo("ledger write failed for chain a");
        assertThat(log.getSeverity()).isEqualTo(Severity.ERROR);
        assertThat(log.getAttributes().get(AttributeKey.stringKey("exception.type"))).isEqualTo("java.lang.IllegalStateException");
        assertThat(log.getAttributes().get(AttributeKey.stringKey("exception.message"))).isEqualTo("connection reset");
        assertThat(log.getAttributes().get(AttributeKey.stringKey("exception.stacktrace")))
                .startsWith("java.lang.IllegalStateException: connection reset")
                .contains("at dev.octosts.telemetry.OtlpLogHandlerTest");
        assertThat(log.getSpanContext().isValid()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"SEVERE, ERROR, ERROR", "WARNING, WARN, WARN", "INFO, INFO, INFO", "CONFIG, DEBUG, DEBUG",
            "FINE, DEBUG, DEBUG", "FINER, TRACE, TRACE", "FINEST, TRACE, TRACE"})
    void eachLevelHasTheSeverityLogPipelinesKnow(String level, Severity severity, String text) {
        LogRecord record = new LogRecord(Level.parse(level), "m");
        record.setLoggerName("dev.octosts.test");

        handler.publish(record);

        LogRecordData log = exported.getFinishedLogRecordItems().getFirst();
        assertThat(log.getSeverity()).isEqualTo(severity);
        assertThat(log.getSeverityText()).isEqualTo(text);
    }

    @Test
    void theSdksOwnRecordsAndRecordsWithoutALoggerStayOnStandardErrorOnly() {
        LogRecord sdk = new LogRecord(Level.WARNING, "Failed to export logs");
        sdk.setLoggerName("io.opentelemetry.exporter.internal.http.HttpExporter");
        LogRecord anonymous = new LogRecord(Level.WARNING, "no logger");

        handler.publish(sdk);
        handler.publish(anonymous);

        assertThat(exported.getFinishedLogRecordItems()).isEmpty();
    }
}
