package dev.octosts.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalKeys;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.LocalPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code LOG_FORMAT=json octo-sts serve}, as an operator runs it: every line on standard error is one JSON object,
 * start-up is one line per step, each exchange is one {@code octosts.exchange} event with its trace id and the
 * token's SHA-256, and neither the caller's OIDC token nor the issued GitHub token appears anywhere.
 */
class ServeJsonLogsIT {
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void jsonLinesWithTraceIdsOnExchangeEventsAndNoToken() throws Exception {
        // An OTLP receiver: traces exported (without an exporter the SDK makes no trace ids), and the log records.
        Map<String, List<byte[]>> received = new java.util.concurrent.ConcurrentHashMap<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/", exchange -> {
            received.computeIfAbsent(exchange.getRequestURI().getPath(), path -> new java.util.concurrent.CopyOnWriteArrayList<>())
                    .add(exchange.getRequestBody().readAllBytes());
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try (LocalPostgres postgres = LocalPostgres.start();
             GitHubSimulator github = GitHubSimulator.start();
             LocalOidcIssuer issuer = LocalOidcIssuer.start()) {
            LocalPostgres.LedgerLogins logins = postgres.ledgerDatabase();
            GitHubSimulator.SimulatedApp app = github.createApp();
            github.createRepository("acme", "app");
            github.install(app.appId(), "acme", Map.of("contents", "read", "metadata", "read"), null);
            github.putFile("acme", "app", ".github/chainguard/ci.sts.yaml", """
                    issuer: %s
                    subject: repo:acme/app:ref:refs/heads/main
                    permissions:
                      contents: read
                    """.formatted(issuer.issuer()));
            Map<String, String> env = new HashMap<>(Map.of(
                    "LOG_FORMAT", "json", "BIND_ADDRESS", "127.0.0.1", "PORT", "0", "ADMIN_PORT", "0",
                    "STS_DOMAIN", "sts.example.com", "GITHUB_APP_IDS", Long.toString(app.appId()),
                    "APP_SECRET_CERTIFICATE_FILE", Files.writeString(dir.resolve("app.pem"), app.privateKeyPem()).toString(),
                    "GITHUB_BASE_URL", github.baseUrl().toString(), "OIDC_PRIVATE_NETWORK_HOSTS", "127.0.0.1",
                    "OIDC_ALLOWED_ISSUERS", issuer.issuer()));
            env.put("OTEL_TRACES_EXPORTER", "otlp");
            env.put("OTEL_LOGS_EXPORTER", "otlp");
            env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort());
            env.put("DATABASE_URL", logins.runtimeUrl());
            env.put("DATABASE_MIGRATION_URL", logins.ownerUrl());
            env.put("LEDGER_SIGNING_KEY_FILE", Files.writeString(dir.resolve("ledger.pem"), LocalKeys.rsa2048().privateKeyPem()).toString());

            ProcessBuilder serve = new ProcessBuilder(JAVA.toString(), "-jar", "target/octo-sts.jar", "serve")
                    .redirectError(dir.resolve("stderr.txt").toFile());
            serve.environment().putAll(env);
            Process process = serve.start();
            String allowedJwt = issuer.token().subject("repo:acme/app:ref:refs/heads/main").audience("sts.example.com").mint();
            String deniedJwt = issuer.token().subject("repo:acme/app:pull_request").audience("sts.example.com").mint();
            String githubToken;
            try {
                int port = listeningPort(process);
                githubToken = JSON.readTree(exchange(port, allowedJwt)).path("token").asText();
                assertThat(githubToken).startsWith("ghs_");
                JsonNode denied = JSON.readTree(exchange(port, deniedJwt));
                assertThat(denied.path("code").asInt()).as(denied.toString()).isEqualTo(7);
                assertThat(denied.path("message").asText()).isEqualTo("trust policy: subject "
                        + "\"repo:acme/app:pull_request\" did not match \"repo:acme/app:ref:refs/heads/main\"");
            } finally {
                process.destroy();
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
            }

            String stderr = Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);
            assertThat(stderr).doesNotContain(githubToken).doesNotContain(allowedJwt).doesNotContain(deniedJwt)
                    .doesNotContain(allowedJwt.split("\\.")[1]);
            List<JsonNode> lines = stderr.lines().filter(line -> !line.isBlank()).map(ServeJsonLogsIT::json).toList();
            assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line.has("time") && line.has("level")
                    && line.has("logger") && line.has("message")).as(line.toString()).isTrue());
            assertThat(lines).as("one line per start-up step").anySatisfy(line ->
                    assertThat(line.path("message").asText()).startsWith("public listener on http://127.0.0.1:"));
            List<JsonNode> exchanges = lines.stream().filter(line -> line.path("logger").asText().equals("octosts.exchange")).toList();
            assertThat(exchanges).hasSize(2).allSatisfy(line -> {
                assertThat(line.path("trace_id").asText()).matches("[0-9a-f]{32}");
                assertThat(line.path("span_id").asText()).matches("[0-9a-f]{16}");
                assertThat(line.path("scope").asText()).isEqualTo("acme/app");
                assertThat(line.path("issuer").asText()).isEqualTo(issuer.issuer());
            });
            // One serving process, one chain: the two records follow each other on it.
            assertThat(exchanges.get(0).path("chain_id").asText())
                    .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                    .isEqualTo(exchanges.get(1).path("chain_id").asText());
            assertThat(exchanges.get(1).path("seq").asLong()).isEqualTo(exchanges.get(0).path("seq").asLong() + 1);
            assertThat(exchanges.get(0).path("decision").asText()).isEqualTo("allow");
            assertThat(exchanges.get(0).path("token_sha256").asText()).isEqualTo(sha256Hex(githubToken));
            assertThat(exchanges.get(1).path("decision").asText()).isEqualTo("deny");
            assertThat(exchanges.get(1).path("subject").asText()).isEqualTo("repo:acme/app:pull_request");
            assertThat(exchanges.get(1).has("token_sha256")).isFalse();

            // OTEL_LOGS_EXPORTER=otlp: the same events went to the Collector (protobuf: names and ids as bytes).
            String logs = received.getOrDefault("/v1/logs", List.of()).stream()
                    .map(body -> new String(body, StandardCharsets.ISO_8859_1)).reduce("", String::concat);
            assertThat(logs).contains("octosts.exchange").contains("public listener on")
                    .contains(new String(HexFormat.of().parseHex(exchanges.get(0).path("trace_id").asText()),
                            StandardCharsets.ISO_8859_1))
                    .doesNotContain(githubToken).doesNotContain(allowedJwt);
        } finally {
            collector.stop(0);
        }
    }

    private static int listeningPort(Process process) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("octo-sts listening on http://127.0.0.1:")) {
                return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).strip());
            }
        }
        throw new AssertionError("serve ended before it listened");
    }

    private static String exchange(int port, String jwt) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/sts/exchange?scope=acme/app&identity=ci"))
                .header("Authorization", "Bearer " + jwt).timeout(Duration.ofSeconds(30)).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static JsonNode json(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            assertThat(node.isObject()).as(line).isTrue();
            return node;
        } catch (IOException e) {
            throw new AssertionError("not one JSON object: " + line, e);
        }
    }

    private static String sha256Hex(String text) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
