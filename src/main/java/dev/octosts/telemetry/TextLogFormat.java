package dev.octosts.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * {@code LOG_FORMAT=text} (the default): one line per record — time, level, logger, message, an event's fields as
 * {@code name="value"} (JSON-quoted, so a value cannot start a new line) — and an exception's stack trace below it.
 */
final class TextLogFormat extends Formatter {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(160)
                .append(record.getInstant()).append(' ')
                .append(JsonLogFormat.level(record.getLevel())).append(' ')
                .append(record.getLoggerName()).append(": ")
                .append(formatMessage(record).replace("\n", "\\n"));
        for (Map.Entry<String, Object> field : LogFields.of(record).entrySet()) {
            if (field.getValue() != null) {
                line.append(' ').append(field.getKey()).append('=').append(quoted(field.getValue()));
            }
        }
        line.append('\n');
        if (record.getThrown() != null) {
            line.append(JsonLogFormat.stackTrace(record.getThrown())).append('\n');
        }
        return line.toString();
    }

    /** Strings and numbers, what an event mostly holds, without a serializer per value: one is written per exchange. */
    private static String quoted(Object value) {
        if (value instanceof String text) {
            return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Boolean) {
            return value.toString();
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return "\"?\"";
        }
    }
}
