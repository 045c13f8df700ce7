package dev.octosts.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A pull reader that renders the SDK's metrics in the Prometheus text format (0.0.4) on each scrape,
 * named as OpenTelemetry's Prometheus exporter names them: dots become underscores, the unit becomes a
 * suffix ({@code s} → {@code _seconds}, annotations like {@code {exchange}} are dropped) and monotonic
 * sums end in {@code _total}. (The exporter artifact itself is not served by our package registry.)
 */
public final class PrometheusReader implements MetricReader {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Map<String, String> UNITS = Map.of("s", "seconds", "ms", "milliseconds",
            "By", "bytes", "%", "percent");

    private volatile CollectionRegistration registration = CollectionRegistration.noop();

    @Override
    public void register(CollectionRegistration registration) {
        this.registration = registration;
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        registration = CollectionRegistration.noop();
        return CompletableResultCode.ofSuccess();
    }

    /** The current values of every metric, as one scrape answer. */
    public String scrape() {
        List<MetricData> metrics = new ArrayList<>(registration.collectAllMetrics());
        metrics.sort(Comparator.comparing(MetricData::getName));
        StringBuilder out = new StringBuilder();
        for (MetricData metric : metrics) {
            render(metric, out);
        }
        return out.toString();
    }

    /** The Prometheus name of an OpenTelemetry metric (without {@code _total}, {@code _bucket}…). */
    public static String baseName(String name, String unit) {
        String base = sanitize(name);
        String suffix = unit == null ? "" : UNITS.getOrDefault(unit, unit.startsWith("{") || "1".equals(unit) ? "" : sanitize(unit));
        return suffix.isEmpty() || base.endsWith("_" + suffix) ? base : base + "_" + suffix;
    }

    private static void render(MetricData metric, StringBuilder out) {
        String name = baseName(metric.getName(), metric.getUnit());
        switch (metric.getType()) {
            case LONG_SUM -> {
                boolean counter = metric.getLongSumData().isMonotonic();
                String full = counter ? name + "_total" : name;
                header(out, full, metric.getDescription(), counter ? "counter" : "gauge");
                for (LongPointData point : sorted(metric.getLongSumData().getPoints())) {
                    sample(out, full, point.getAttributes(), null, Long.toString(point.getValue()));
                }
            }
            case DOUBLE_SUM -> {
                boolean counter = metric.getDoubleSumData().isMonotonic();
                String full = counter ? name + "_total" : name;
                header(out, full, metric.getDescription(), counter ? "counter" : "gauge");
                for (DoublePointData point : sorted(metric.getDoubleSumData().getPoints())) {
                    sample(out, full, point.getAttributes(), null, number(point.getValue()));
                }
            }
            case LONG_GAUGE -> {
                header(out, name, metric.getDescription(), "gauge");
                for (LongPointData point : sorted(metric.getLongGaugeData().getPoints())) {
                    sample(out, name, point.getAttributes(), null, Long.toString(point.getValue()));
                }
            }
            case DOUBLE_GAUGE -> {
                header(out, name, metric.getDescription(), "gauge");
                for (DoublePointData point : sorted(metric.getDoubleGaugeData().getPoints())) {
                    sample(out, name, point.getAttributes(), null, number(point.getValue()));
                }
            }
            case HISTOGRAM -> {
                header(out, name, metric.getDescription(), "histogram");
                for (HistogramPointData point : sorted(metric.getHistogramData().getPoints())) {
                    long cumulative = 0;
                    List<Double> bounds = point.getBoundaries();
                    for (int i = 0; i < bounds.size(); i++) {
                        cumulative += point.getCounts().get(i);
                        sample(out, name + "_bucket", point.getAttributes(), number(bounds.get(i)), Long.toString(cumulative));
                    }
                    sample(out, name + "_bucket", point.getAttributes(), "+Inf", Long.toString(point.getCount()));
                    sample(out, name + "_sum", point.getAttributes(), null, number(point.getSum()));
                    sample(out, name + "_count", point.getAttributes(), null, Long.toString(point.getCount()));
                }
            }
            default -> {
                // Exponential histograms and summaries are not used by this service.
            }
        }
    }

    private static <P extends PointData> List<P> sorted(java.util.Collection<P> points) {
        List<P> list = new ArrayList<>(points);
        list.sort(Comparator.comparing(point -> point.getAttributes().toString()));
        return list;
    }

    private static void header(StringBuilder out, String name, String description, String type) {
        if (description != null && !description.isEmpty()) {
            out.append("# HELP ").append(name).append(' ')
                    .append(description.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        }
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, Attributes attributes, String le, String value) {
        Map<String, String> labels = new TreeMap<>();
        attributes.forEach((AttributeKey<?> key, Object v) -> labels.put(sanitize(key.getKey()), String.valueOf(v)));
        if (le != null) {
            labels.put("le", le);
        }
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, String> label : labels.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(label.getKey()).append("=\"").append(label.getValue().replace("\\", "\\\\")
                        .replace("\"", "\\\"").replace("\n", "\\n")).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    private static String sanitize(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9' && i > 0);
            out.append(ok ? c : '_');
        }
        return out.toString().replaceAll("__+", "_");
    }
}
