package dev.octosts.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.octosts.telemetry.Telemetry;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Exchange throughput with telemetry off next to telemetry on and exporting (OTLP/HTTP spans and
 * metrics to a loopback sink, batched as in production), over the whole service: HTTP, OIDC, the GitHub
 * simulator, PostgreSQL. Two services run side by side, one per mode, both warmed up; then short runs
 * alternate between them (swapping which goes first), and the overhead is the median over the pairs,
 * so drift on a shared machine hits both alike. Writes a table to stdout and
 * {@code bench/results/telemetry-latest.json}.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench-telemetry test-compile exec:java}.
 */
public final class TelemetryOverheadBenchmark {
    private static final int PAIRS = 8;
    private static final int CLIENTS = 16;
    private static final int WARM_UP = 6000;
    private static final int EXCHANGES = 3000;
    private static final List<String> OTLP_SETTINGS = List.of("otel.traces.exporter", "otel.metrics.exporter",
            "otel.exporter.otlp.protocol", "otel.exporter.otlp.endpoint", "otel.metric.export.interval");
    public static void main(String[] args) throws Exception {
        // Keep the service's per-request log lines out of the measurement.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        LongAdder exportedBytes = new LongAdder();
        HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                exportedBytes.add(in.transferTo(OutputStream.nullOutputStream()));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        sink.start();
        System.setProperty("otel.traces.exporter", "otlp");
        System.setProperty("otel.metrics.exporter", "otlp");
        System.setProperty("otel.exporter.otlp.protocol", "http/protobuf");
        System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + sink.getAddress().getPort());
        System.setProperty("otel.metric.export.interval", "1000");
        ObjectMapper json = new ObjectMapper();
        ArrayNode runs = json.createArrayNode();
        List<Double> ratios = new ArrayList<>();
        try (Service off = new Service(Telemetry.off()); Service otlp = new Service(Telemetry.fromEnvironment())) {
            off.run(WARM_UP);
            otlp.run(WARM_UP);
            for (int pair = 1; pair <= PAIRS; pair++) {
                double offRate;
                double otlpRate;
                if (pair % 2 == 1) {
                    offRate = off.run(EXCHANGES);
                    otlpRate = otlp.run(EXCHANGES);
                } else {
                    otlpRate = otlp.run(EXCHANGES);
                    offRate = off.run(EXCHANGES);
                }
                ratios.add(otlpRate / offRate);
                System.out.printf("pair %d  off %7.1f/s  otlp %7.1f/s  otlp/off %.3f%n", pair, offRate, otlpRate,
                        otlpRate / offRate);
                runs.addObject().put("pair", pair).put("off", offRate).put("otlp", otlpRate);
            }
        } finally {
            OTLP_SETTINGS.forEach(System::clearProperty);
            sink.stop(0);
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        double median = (sorted.get(PAIRS / 2 - 1) + sorted.get(PAIRS / 2)) / 2;
        double mean = ratios.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        System.out.printf("overhead: median %.1f%%, mean %.1f%% (%d KiB exported)%n", (1 - median) * 100,
                (1 - mean) * 100, exportedBytes.sum() / 1024);
        ObjectNode result = json.createObjectNode()
                .put("clients", CLIENTS).put("exchanges_per_run", EXCHANGES)
                .put("overhead_percent_median", (1 - median) * 100)
                .put("overhead_percent_mean", (1 - mean) * 100)
                .put("processors", Runtime.getRuntime().availableProcessors());
        result.set("pairs", runs);
        Path out = Path.of("bench", "results", "telemetry-latest.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
    }

    /** One running service with its own database, GitHub simulator and OIDC issuer. */
    private static final class Service implements AutoCloseable {
        private final Harness harness = new Harness();
        private final String token;

        Service(Telemetry telemetry) {
            harness.installWithMainBranchPolicy("ci");
            harness.start(telemetry);
            token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
        }

        /** Exchanges per second over {@code exchanges} exchanges by {@link #CLIENTS} clients. */
        double run(int exchanges) throws Exception {
            AtomicInteger left = new AtomicInteger(exchanges);
            long start = System.nanoTime();
            try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    done.add(clients.submit(() -> {
                        while (left.getAndDecrement() > 0) {
                            int status = harness.get(token, Map.of("scope", "org/repo", "identity", "ci")).status();
                            if (status != 200) {
                                throw new IllegalStateException("exchange answered " + status);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get();
                }
            }
            return exchanges / ((System.nanoTime() - start) / 1e9);
        }

        @Override
        public void close() {
            harness.close();
        }
    }

    private TelemetryOverheadBenchmark() {
    }
}
