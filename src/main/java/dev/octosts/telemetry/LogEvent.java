package dev.octosts.telemetry;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A structured log event: a log record named after the event (also its logger's name, so it can be filtered and
 * routed by name), its facts as {@link LogFields}. The logger is held here, looked up once rather than per event.
 */
public record LogEvent(Logger logger) {

    public static LogEvent named(String name) {
        return new LogEvent(Logger.getLogger(name));
    }

    /**
     * Logs the event. The message is a fixed summary: what callers control goes into {@code fields} only, never
     * into a message pattern.
     */
    public void emit(Level level, String message, Map<String, Object> fields) {
        if (!logger.isLoggable(level)) {
            return;
        }
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName(logger.getName());
        record.setParameters(new Object[] {new LogFields(fields)});
        logger.log(record);
    }
}
