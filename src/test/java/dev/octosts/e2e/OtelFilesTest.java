package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.telemetry.Telemetry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The files in {@code otel/} are valid, and every metric and label their queries name is one the
 * service really exports: the names are taken from a scrape of {@code /observe/metrics} after an
 * exchange, with telemetry set up as in production.
 */
class OtelFilesTest {
    private static final Path OTEL = Path.of("otel");
    private static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring)\\s*\\(([^)]*)\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*+(?!\\s*\\()");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "offset", "bool", "by", "without",
            "on", "ignoring", "group_left", "group_right");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)})? ");

    private static final Set<String> exportedNames = new HashSet<>();
    private static final Set<String> exportedLabels = new HashSet<>(Set.of("le"));
    private static Harness harness;

    @BeforeAll
    static void scrape() {
        harness = new Harness();
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("GITHUB_WEBHOOK_SECRET", "webhook-secret");
        harness.start(Telemetry.fromEnvironment());
        String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
        assertThat(harness.get(token, Map.of("scope", "org/repo", "identity", "ci")).status()).isEqualTo(200);
        byte[] delivery = "{}".getBytes(StandardCharsets.UTF_8);
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                GitHubSimulator.webhookHeaders("not-the-secret", "push", "d1", delivery), delivery).statusCode()).isEqualTo(400);
        Harness.Response metrics = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/observe/metrics"))
                .GET().build());
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.raw().headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        for (String line : metrics.raw().body().split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (!line.startsWith("#") && sample.find()) {
                exportedNames.add(sample.group(1));
                if (sample.group(2) != null) {
                    Matcher label = MATCHER_LABEL.matcher(sample.group(2));
                    while (label.find()) {
                        exportedLabels.add(label.group(1));
                    }
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void theScrapeHasEveryMetricOfTheService() {
        assertThat(exportedNames).contains("octosts_exchanges_total", "octosts_webhook_deliveries_total", "octosts_exchange_duration_seconds_bucket",
                "octosts_ledger_queue_depth", "octosts_ledger_batch_size_count", "octosts_ledger_commit_duration_seconds_sum",
                "octosts_ledger_write_failures_total", "octosts_ledger_records_reduced_total", "octosts_github_calls_total", "octosts_github_ratelimit_remaining",
                "octosts_github_ratelimit_limit", "octosts_policy_cache_total", "octosts_signing_failures_total",
                "http_server_request_duration_seconds_count", "http_client_request_duration_seconds_bucket",
                "octosts_exchange_step_duration_seconds_bucket", "octosts_exchanges_unrecorded_total",
                "octosts_http_refused_before_routing_total");
        assertThat(exportedLabels).as("no subject, repository or token as a label")
                .noneMatch(label -> label.contains("subject") || label.contains("repositor") || label.contains("token"));
    }

    record Query(String where, String expr) {
        @Override
        public String toString() {
            return where;
        }
    }

    static List<Query> alertQueries() throws IOException {
        Map<String, Object> rules = new Yaml().load(Files.readString(OTEL.resolve("alerts.yaml")));
        List<Query> queries = new ArrayList<>();
        for (Object group : (List<?>) rules.get("groups")) {
            for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
                Map<?, ?> fields = (Map<?, ?>) rule;
                queries.add(new Query("alert " + fields.get("alert"), (String) fields.get("expr")));
            }
        }
        return queries;
    }

    static List<Query> dashboardQueries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(OTEL.resolve("grafana-dashboard.json").toFile());
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query("panel " + panel.path("title").asText() + " " + target.path("refId").asText(),
                        target.path("expr").asText()));
            }
        }
        return queries;
    }

    @Test
    void theAlertRulesCoverWhatTheIssueAsksFor() throws IOException {
        assertThat(alertQueries()).extracting(Query::where).contains("alert OctoStsDenialRateAboveNormal",
                "alert OctoStsIssuerNotPermitted", "alert OctoStsLedgerWriteFailures", "alert OctoStsServiceUnavailable",
                "alert OctoStsGitHubRateLimitLow", "alert OctoStsSigningFailures", "alert OctoStsCallersRateLimited",
                "alert OctoStsRefusalsNotRecorded", "alert OctoStsHostileTokens", "alert OctoStsInaccessibleRepositoriesNamed",
                "alert OctoStsExchangesCutShort", "alert OctoStsMalformedRequests");
        assertThat(dashboardQueries()).hasSize(17);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"alertQueries", "dashboardQueries"})
    void everyQueryNamesOnlyExportedMetricsAndLabels(Query query) {
        Set<String> labels = new LinkedHashSet<>();
        String expr = query.expr();
        Matcher braces = Pattern.compile("\\{([^}]*)}").matcher(expr);
        while (braces.find()) {
            Matcher label = MATCHER_LABEL.matcher(braces.group(1).replaceAll("\"[^\"]*\"", "\"\""));
            while (label.find()) {
                labels.add(label.group(1));
            }
        }
        Matcher grouping = GROUPING.matcher(expr);
        while (grouping.find()) {
            for (String label : grouping.group(1).split(",")) {
                if (!label.isBlank()) {
                    labels.add(label.trim());
                }
            }
        }
        String bare = GROUPING.matcher(expr.replaceAll("\\{[^}]*}", "").replaceAll("\\[[^]]*]", ""))
                .replaceAll("")
                .replaceAll("\\boffset\\s+\\w+", "")
                .replaceAll("\\b\\d+(?:\\.\\d+)?(?:e-?\\d+)?\\b", "");
        Set<String> metrics = new LinkedHashSet<>();
        Matcher identifier = IDENTIFIER.matcher(bare);
        while (identifier.find()) {
            if (!KEYWORDS.contains(identifier.group())) {
                metrics.add(identifier.group());
            }
        }
        assertThat(metrics).as("metrics of " + query.where()).isNotEmpty().isSubsetOf(exportedNames);
        assertThat(labels).as("labels of " + query.where()).isSubsetOf(exportedLabels);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theCollectorPipelinesUseOnlyDefinedComponents() throws IOException {
        Map<String, Object> config = new Yaml().load(Files.readString(OTEL.resolve("collector.yaml")));
        Map<String, Map<String, List<String>>> pipelines = (Map<String, Map<String, List<String>>>)
                ((Map<String, Object>) config.get("service")).get("pipelines");
        assertThat(pipelines).containsKeys("traces", "metrics");
        for (Map<String, List<String>> pipeline : pipelines.values()) {
            for (String kind : List.of("receivers", "processors", "exporters")) {
                assertThat(((Map<String, Object>) config.get(kind)).keySet()).containsAll(pipeline.get(kind));
            }
        }
        Map<String, Object> otlp = (Map<String, Object>) ((Map<String, Object>) config.get("receivers")).get("otlp");
        assertThat((Map<String, Object>) otlp.get("protocols")).containsKeys("grpc", "http");
    }
}
