package dev.octosts.telemetry;

import dev.octosts.config.ConfigException;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** The OpenTelemetry SDK from the standard {@code OTEL_*} settings, with our defaults and the settings we refuse. */
final class OtelEnvironment {
    /** Defaults below the environment: without OTEL_* settings nothing is exported. */
    private static final Map<String, String> DEFAULTS = Map.of(
            "otel.service.name", "octo-sts",
            "otel.traces.exporter", "none",
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none",
            // Sent through the JDK's HttpClient: OTLP over HTTP only (a Collector's port 4318).
            "otel.exporter.otlp.protocol", "http/protobuf");

    private OtelEnvironment() {
    }

    /** The SDK, and whether log records are to be exported ({@code OTEL_LOGS_EXPORTER} other than none). */
    record Sdk(OpenTelemetrySdk sdk, boolean exportsLogs) {
    }

    static Sdk build(PrometheusReader prometheus) {
        AtomicBoolean exportsLogs = new AtomicBoolean();
        try {
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> DEFAULTS)
                    .addPropertiesCustomizer(OtelEnvironment::refuseSecondPrometheusServer)
                    .addPropertiesCustomizer(OtelEnvironment::refuseGrpc)
                    .addPropertiesCustomizer(config -> {
                        exportsLogs.set(!config.getList("otel.logs.exporter", List.of("none")).equals(List.of("none")));
                        return Map.of();
                    })
                    .addMeterProviderCustomizer((builder, config) -> builder.registerMetricReader(prometheus.metricReader()))
                    .build()
                    .getOpenTelemetrySdk();
            return new Sdk(sdk, exportsLogs.get());
        } catch (ConfigurationException e) {
            if (e.getCause() instanceof ConfigException named) {
                throw named;
            }
            throw new ConfigException("OTEL_*", e.getMessage());
        }
    }

    /**
     * OTLP goes over HTTP with the JDK's client; the gRPC sender is not on the class path, and without this check
     * autoconfigure reports only "Unexpected configuration error".
     */
    private static Map<String, String> refuseGrpc(ConfigProperties config) {
        for (String signal : new String[] {"", ".traces", ".metrics", ".logs"}) {
            String property = "otel.exporter.otlp" + signal + ".protocol";
            if ("grpc".equals(config.getString(property))) {
                throw new ConfigException(property.toUpperCase(Locale.ROOT).replace('.', '_'),
                        "grpc is not available: use http/protobuf (the Collector's port 4318)");
            }
        }
        return Map.of();
    }

    /**
     * The exporter on the class path would also serve {@code OTEL_METRICS_EXPORTER=prometheus} from an HTTP server
     * of its own, on every interface; the Prometheus text is served by the admin listener only.
     */
    private static Map<String, String> refuseSecondPrometheusServer(ConfigProperties config) {
        if (config.getList("otel.metrics.exporter").contains("prometheus")) {
            throw new ConfigurationException("otel.metrics.exporter=prometheus is not supported: scrape the admin"
                    + " listener's /observe/metrics instead");
        }
        return Map.of();
    }
}
