package dev.octosts.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** The two line formats: one line per record whatever its message, fields and exception hold. */
class LogFormatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonIsOneObjectPerLineWithTheSpanAndTheExceptionAsOneField() throws Exception {
        LogRecord record = new LogRecord(Level.WARNING, "line one\nline two \"quoted\"");
        record.setLoggerName("dev.octosts.test");
        record.setThrown(new IllegalStateException("broken\nacross lines"));
        Span span = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create()))
                .build().get("test").spanBuilder("s").startSpan();
        String line;
        try (Scope ignored = span.makeCurrent()) {
            line = new JsonLogFormat().format(record);
        } finally {
            span.end();
        }

        assertThat(line).endsWith("\n");
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = JSON.readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("dev.octosts.test");
        assertThat(json.path("message").asText()).isEqualTo("line one\nline two \"quoted\"");
        assertThat(json.path("trace_id").asText()).isEqualTo(span.getSpanContext().getTraceId());
        assertThat(json.path("span_id").asText()).isEqualTo(span.getSpanContext().getSpanId());
        assertThat(json.path("exception").asText()).startsWith("java.lang.IllegalStateException: broken\nacross lines")
                .contains("at dev.octosts.telemetry.LogFormatsTest");
        assertThat(json.has("time")).isTrue();
    }

    @Test
    void anEventsFieldsAreFieldsOfTheLineInJsonAndQuotedPairsInText() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("trace_id", "0af7651916cd43dd8448eb211c80319c");
        fields.put("subject", "repo:a/b\n{\"forged\":true}");
        fields.put("seq", 42L);
        fields.put("absent", null);
        fields.put("repositories", List.of("a", "b"));
        LogRecord record = new LogRecord(Level.INFO, "exchange deny");
        record.setLoggerName("octosts.exchange");
        record.setParameters(new Object[] {new LogFields(fields)});

        JsonNode json = JSON.readTree(new JsonLogFormat().format(record));
        assertThat(json.path("trace_id").asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(json.path("subject").asText()).isEqualTo("repo:a/b\n{\"forged\":true}");
        assertThat(json.path("seq").asLong()).isEqualTo(42);
        assertThat(json.has("absent")).isFalse();
        assertThat(json.path("repositories")).isEqualTo(JSON.readTree("[\"a\",\"b\"]"));

        String text = new TextLogFormat().format(record);
        assertThat(text.strip()).doesNotContain("\n")
                .endsWith("INFO octosts.exchange: exchange deny trace_id=\"0af7651916cd43dd8448eb211c80319c\""
                        + " subject=\"repo:a/b\\n{\\\"forged\\\":true}\" seq=42 repositories=[\"a\",\"b\"]");
    }
}
