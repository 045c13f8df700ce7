package dev.octosts.telemetry;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Structured log events: a log record named after the event, its facts as {@link LogFields}. */
public final class LogEvents {
    private LogEvents() {
    }

    /**
     * Logs event {@code name} (also the logger's name, so it can be filtered and routed by name). The message is a
     * fixed summary: what callers control goes into {@code fields} only, never into a message pattern.
     */
    public static void emit(String name, Level level, String message, Map<String, Object> fields) {
        Logger logger = Logger.getLogger(name);
        if (!logger.isLoggable(level)) {
            return;
        }
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName(name);
        record.setParameters(new Object[] {new LogFields(fields)});
        logger.log(record);
    }
}
