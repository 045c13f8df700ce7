package dev.octosts.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.logs.LoggerProvider;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.context.Context;

import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * {@code OTEL_LOGS_EXPORTER=otlp}: the same records the process writes to standard error, as OpenTelemetry log
 * records — with the trace context of the current span, an event's fields as attributes, an exception as
 * {@code exception.type}, {@code exception.message} and {@code exception.stacktrace}.
 */
final class OtlpLogHandler extends Handler {
    private final LoggerProvider loggers;
    private final SimpleFormatter messages = new SimpleFormatter();

    OtlpLogHandler(LoggerProvider loggers) {
        this.loggers = loggers;
        setLevel(Level.ALL);
    }

    @Override
    public void publish(LogRecord record) {
        // The SDK's own records (an exporter that fails) would come back here: they stay on standard error.
        if (!isLoggable(record) || record.getLoggerName() == null || record.getLoggerName().startsWith("io.opentelemetry")) {
            return;
        }
        AttributesBuilder attributes = Attributes.builder();
        for (Map.Entry<String, Object> field : LogFields.of(record).entrySet()) {
            switch (field.getValue()) {
                case String text -> attributes.put(field.getKey(), text);
                case Long number -> attributes.put(field.getKey(), number);
                case Integer number -> attributes.put(field.getKey(), number.longValue());
                case Boolean flag -> attributes.put(field.getKey(), flag);
                case List<?> list -> attributes.put(AttributeKey.stringArrayKey(field.getKey()),
                        list.stream().map(String::valueOf).toList());
                case null -> { }
                default -> attributes.put(field.getKey(), String.valueOf(field.getValue()));
            }
        }
        if (record.getThrown() != null) {
            attributes.put("exception.type", record.getThrown().getClass().getName());
            attributes.put("exception.message", String.valueOf(record.getThrown().getMessage()));
            attributes.put("exception.stacktrace", JsonLogFormat.stackTrace(record.getThrown()));
        }
        loggers.get(record.getLoggerName()).logRecordBuilder()
                .setTimestamp(record.getInstant())
                .setContext(Context.current())
                .setSeverity(severity(record.getLevel()))
                .setSeverityText(JsonLogFormat.level(record.getLevel()))
                .setBody(messages.formatMessage(record))
                .setAllAttributes(attributes.build())
                .emit();
    }

    private static Severity severity(Level level) {
        return switch (JsonLogFormat.level(level)) {
            case "ERROR" -> Severity.ERROR;
            case "WARN" -> Severity.WARN;
            case "INFO" -> Severity.INFO;
            case "DEBUG" -> Severity.DEBUG;
            default -> Severity.TRACE;
        };
    }

    @Override
    public void flush() {
        // the SDK's batch processor flushes on its own schedule and at shutdown
    }

    @Override
    public void close() {
        // the SDK belongs to Telemetry, which shuts it down
    }
}
