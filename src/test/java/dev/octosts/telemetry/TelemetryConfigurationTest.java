package dev.octosts.telemetry;

import dev.octosts.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OTEL_* settings as the service reads them (system properties stand in for the environment). */
class TelemetryConfigurationTest {

    @Test
    void withoutSettingsNothingIsExportedButMetricsCanBeScraped() {
        try (Telemetry telemetry = Telemetry.fromEnvironment()) {
            telemetry.exchangeDecided("deny", "subject_mismatch", 1_000_000);
            assertThat(telemetry.prometheusText())
                    .contains("octosts_exchanges_total{octosts_decision=\"deny\",octosts_reason=\"subject_mismatch\"} 1.0");
        }
    }

    @Test
    void aBadSettingIsAConfigurationErrorNamingTheVariables() {
        System.setProperty("otel.traces.exporter", "no-such-exporter");
        try {
            assertThatThrownBy(Telemetry::fromEnvironment)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("OTEL_*: ")
                    .hasMessageContaining("no-such-exporter");
        } finally {
            System.clearProperty("otel.traces.exporter");
        }
    }

    @Test
    void thePrometheusExporterCannotOpenASecondMetricsServer() {
        System.setProperty("otel.metrics.exporter", "otlp,prometheus");
        try {
            assertThatThrownBy(Telemetry::fromEnvironment)
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("OTEL_*: otel.metrics.exporter=prometheus is not supported: scrape the admin"
                            + " listener's /observe/metrics instead");
        } finally {
            System.clearProperty("otel.metrics.exporter");
        }
    }

    @Test
    void grpcIsRefusedNamingTheVariable() {
        System.setProperty("otel.traces.exporter", "otlp");
        System.setProperty("otel.exporter.otlp.protocol", "grpc");
        try {
            assertThatThrownBy(Telemetry::fromEnvironment)
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not available: use http/protobuf (the Collector's port 4318)");
        } finally {
            System.clearProperty("otel.traces.exporter");
            System.clearProperty("otel.exporter.otlp.protocol");
        }
    }
}
