package dev.octosts.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogFormatTest {

    @Test
    void textByDefaultJsonWhenAskedAnythingElseNamesTheVariable() {
        assertThat(LogFormat.fromEnvironment(Map.of())).isEqualTo(LogFormat.TEXT);
        assertThat(LogFormat.fromEnvironment(Map.of("LOG_FORMAT", "text"))).isEqualTo(LogFormat.TEXT);
        assertThat(LogFormat.fromEnvironment(Map.of("LOG_FORMAT", " JSON "))).isEqualTo(LogFormat.JSON);
        assertThatThrownBy(() -> LogFormat.fromEnvironment(Map.of("LOG_FORMAT", "logfmt")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("LOG_FORMAT: must be text or json (got \"logfmt\")");
    }
}
