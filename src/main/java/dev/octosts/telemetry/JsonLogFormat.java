package dev.octosts.telemetry;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * {@code LOG_FORMAT=json}: one JSON object per line — {@code time}, {@code level}, {@code logger}, {@code message},
 * {@code trace_id} and {@code span_id} of the current span (or the event's), an event's fields, and an exception
 * with its stack trace as one string field. Written by Jackson, so every value is escaped: a newline or a quote
 * in a message or a claim never breaks the line.
 */
final class JsonLogFormat extends Formatter {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String format(LogRecord record) {
        StringWriter line = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(line)) {
            Map<String, Object> fields = LogFields.of(record);
            json.writeStartObject();
            json.writeStringField("time", record.getInstant().toString());
            json.writeStringField("level", level(record.getLevel()));
            json.writeStringField("logger", record.getLoggerName());
            json.writeStringField("message", formatMessage(record));
            SpanContext span = Span.current().getSpanContext();
            if (fields.get("trace_id") == null && span.isValid()) {
                json.writeStringField("trace_id", span.getTraceId());
                json.writeStringField("span_id", span.getSpanId());
            }
            for (Map.Entry<String, Object> field : fields.entrySet()) {
                if (field.getValue() != null) {
                    json.writeObjectField(field.getKey(), field.getValue());
                }
            }
            if (record.getThrown() != null) {
                json.writeStringField("exception", stackTrace(record.getThrown()));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return line.append('\n').toString();
    }

    /** The level names log pipelines know (SEVERE is ERROR, WARNING is WARN, FINE is DEBUG). */
    static String level(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (value >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (value >= Level.INFO.intValue()) {
            return "INFO";
        }
        return value >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }

    static String stackTrace(Throwable thrown) {
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        return trace.toString().stripTrailing();
    }
}
