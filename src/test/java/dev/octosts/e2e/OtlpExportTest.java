package dev.octosts.e2e;

import com.sun.net.httpserver.HttpServer;
import dev.octosts.telemetry.Telemetry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pointing the standard OTEL_* settings at an OTLP/HTTP receiver delivers the exchange's spans with
 * its decision and reason, and its metrics. (System properties stand in for the environment variables:
 * autoconfigure reads both.)
 */
class OtlpExportTest {
    private static final List<String> SETTINGS = List.of("otel.traces.exporter", "otel.metrics.exporter",
            "otel.exporter.otlp.protocol", "otel.exporter.otlp.endpoint", "otel.bsp.schedule.delay",
            "otel.metric.export.interval");

    @Test
    void spansAndMetricsReachAnOtlpHttpReceiver() throws IOException {
        List<String> traces = new CopyOnWriteArrayList<>();
        List<String> metrics = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/v1/traces", exchange -> {
            traces.add(body(exchange.getRequestBody(), exchange.getRequestHeaders().getFirst("Content-Encoding")));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.createContext("/v1/metrics", exchange -> {
            metrics.add(body(exchange.getRequestBody(), exchange.getRequestHeaders().getFirst("Content-Encoding")));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        System.setProperty("otel.traces.exporter", "otlp");
        System.setProperty("otel.metrics.exporter", "otlp");
        System.setProperty("otel.exporter.otlp.protocol", "http/protobuf");
        System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort());
        System.setProperty("otel.bsp.schedule.delay", "100");
        System.setProperty("otel.metric.export.interval", "60000");
        try (Harness harness = new Harness()) {
            harness.installWithMainBranchPolicy("ci");
            harness.start(Telemetry.fromEnvironment());
            String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
            assertThat(harness.get(token, Map.of("scope", "org/repo", "identity", "ci")).status()).isEqualTo(200);
            // Closing the service shuts the SDK down, which flushes spans and metrics.
        } finally {
            SETTINGS.forEach(System::clearProperty);
            receiver.stop(0);
        }
        assertThat(String.join("", traces)).contains("octosts.exchange", "octosts.decision", "allow",
                "octosts.reason", "issued", "GET /sts/exchange", "octo-sts");
        assertThat(String.join("", metrics)).contains("octosts.exchanges", "octosts.ledger.commit.duration");
    }

    /** The request body with its protobuf strings readable (OTLP strings are plain UTF-8). */
    private static String body(InputStream in, String encoding) throws IOException {
        InputStream raw = "gzip".equalsIgnoreCase(encoding) ? new GZIPInputStream(in) : in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        raw.transferTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
