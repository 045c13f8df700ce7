package dev.octosts.telemetry;

import java.util.Map;

/**
 * The structured facts of a log record (an event such as {@code octosts.exchange}), carried as the record's one
 * parameter: the JSON format writes them as fields of the line, the text format as {@code name="value"} pairs,
 * and OTLP as attributes. Values are strings, numbers, booleans or lists of strings; never a secret.
 */
public record LogFields(Map<String, Object> fields) {

    /** The fields of {@code record}, or an empty map when it carries none. */
    static Map<String, Object> of(java.util.logging.LogRecord record) {
        Object[] parameters = record.getParameters();
        return parameters != null && parameters.length == 1 && parameters[0] instanceof LogFields(Map<String, Object> fields)
                ? fields : Map.of();
    }
}
