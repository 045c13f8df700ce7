package dev.octosts.telemetry;

import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The Prometheus text (format 0.0.4) served on the admin listener's {@code /observe/metrics}: OpenTelemetry's
 * Prometheus exporter collects and names the SDK's metrics (dots become underscores, the unit a suffix,
 * monotonic sums end in {@code _total}), the Prometheus client's writer renders them. The exporter's own HTTP
 * server is not started; the admin listener serves the text. Without scope labels or {@code target_info}, so
 * each series is named and labelled by its instrument and attributes only, as the dashboards and alerts in
 * {@code otel/} expect.
 */
public final class PrometheusReader {
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private final PrometheusMetricReader reader = PrometheusMetricReader.builder()
            .setOtelScopeLabelsEnabled(false)
            .setTargetInfoMetricEnabled(false)
            .build();

    /** What to register with the SDK's meter provider. */
    public MetricReader metricReader() {
        return reader;
    }

    /** The current values of every metric, as one scrape answer. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            WRITER.write(out, reader.collect());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
