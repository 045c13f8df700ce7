package dev.octosts.config;

import java.util.Locale;
import java.util.Map;

/** How the process writes its log lines to standard error: {@code LOG_FORMAT=text} (default) or {@code json}. */
public enum LogFormat {
    /** One line per record, for people; an exception's stack trace follows on its own lines. */
    TEXT,
    /** One JSON object per line, for log pipelines. */
    JSON;

    /** {@code LOG_FORMAT} from {@code env}; anything but text or json stops start-up naming the variable. */
    public static LogFormat fromEnvironment(Map<String, String> env) {
        String value = env.getOrDefault("LOG_FORMAT", "");
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "", "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new ConfigException("LOG_FORMAT", "must be text or json (got " + EnvironmentReader.quoted(value) + ")");
        };
    }
}
