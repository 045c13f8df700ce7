package dev.octosts.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Prometheus text the admin listener serves, rendered by OpenTelemetry's Prometheus exporter. */
class PrometheusReaderTest {

    @ParameterizedTest(name = "{0} [{1}] -> {2}")
    @CsvSource({
            "octosts.exchanges, {exchange}, octosts_exchanges",
            "octosts.exchange.duration, s, octosts_exchange_duration_seconds",
            "http.server.request.duration, s, http_server_request_duration_seconds",
            "octosts.ledger.batch.size, {record}, octosts_ledger_batch_size",
            "octosts.cache.size, By, octosts_cache_size_bytes",
            "octosts.ratio, 1, octosts_ratio",
            "already_seconds, s, already_seconds",
            "odd-name/with/slashes, ms, odd_name_with_slashes_milliseconds",
    })
    void namesFollowTheExporterConventions(String name, String unit, String expected) {
        PrometheusReader reader = new PrometheusReader();
        try (SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader.metricReader()).build()) {
            provider.get("test").gaugeBuilder(name).setUnit(unit).ofLongs().build().set(1);

            assertThat(reader.scrape()).isEqualTo("# TYPE " + expected + " gauge\n" + expected + " 1.0\n");
        }
    }

    @Test
    void countersGaugesAndHistogramsRenderInTheTextFormat() {
        PrometheusReader reader = new PrometheusReader();
        try (SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader.metricReader()).build()) {
            Meter meter = provider.get("test");
            meter.counterBuilder("demo.requests").setUnit("{request}").setDescription("Requests\nby result").build()
                    .add(3, Attributes.of(AttributeKey.stringKey("demo.result"), "a \"quoted\\\" value"));
            meter.upDownCounterBuilder("demo.in_flight").build().add(-2);
            meter.gaugeBuilder("demo.level").ofLongs().build().set(7);
            var histogram = meter.histogramBuilder("demo.latency").setUnit("s")
                    .setExplicitBucketBoundariesAdvice(List.of(0.1, 1.0)).build();
            histogram.record(0.05);
            histogram.record(0.5);
            histogram.record(5);

            // No otel_scope_* labels and no target_info: series are named and labelled by the instruments only.
            assertThat(reader.scrape()).isEqualTo("""
                    # TYPE demo_in_flight gauge
                    demo_in_flight -2.0
                    # TYPE demo_latency_seconds histogram
                    demo_latency_seconds_bucket{le="0.1"} 1
                    demo_latency_seconds_bucket{le="1.0"} 2
                    demo_latency_seconds_bucket{le="+Inf"} 3
                    demo_latency_seconds_count 3
                    demo_latency_seconds_sum 5.55
                    # TYPE demo_level gauge
                    demo_level 7.0
                    # HELP demo_requests_total Requests\\nby result
                    # TYPE demo_requests_total counter
                    demo_requests_total{demo_result="a \\"quoted\\\\\\" value"} 3.0
                    """);
        }
    }

    @Test
    void anUnregisteredReaderScrapesNothing() {
        assertThat(new PrometheusReader().scrape()).isEmpty();
        assertThat(Telemetry.off().prometheusText()).isEmpty();
    }
}
