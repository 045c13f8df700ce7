package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.CreatedCheckRun;
import dev.octosts.dev.GitHubSimulator.Fault;
import dev.octosts.dev.GitHubSimulator.RecordedCall;
import dev.octosts.dev.GitHubSimulator.SimulatedChange;
import dev.octosts.github.ContentsResult;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.InstallationAccess;
import dev.octosts.github.MintResult;
import dev.octosts.keys.PemKeys;
import dev.octosts.testing.MutableClock;
import dev.octosts.policy.TrustPolicies;
import dev.octosts.webhook.PolicyVerdicts;
import dev.octosts.webhook.ValidatedPaths;
import dev.octosts.webhook.WebhookEvent;
import dev.octosts.webhook.WebhookService;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every row of Octo STS's webhook test suite ({@code webhook_cases.json}). {@code http} rows are real signed
 * deliveries over HTTP to the running service, which talks HTTP to the GitHub simulator configured as the row
 * says; the other kinds call the webhook's own functions, with GitHub errors produced by the simulator.
 *
 * <p>No row's expectation is changed by this project's deliberate deviations (policies compiled, warnings in
 * the output's text, replay memory): every fixture policy compiles and carries no warning, and the one
 * repeated delivery ({@code TestWebhookInstallationTokenCached}) only asserts 200 twice and one mint.
 */
class WebhookConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode DOCUMENT = load();
    static final String SECRET = DOCUMENT.path("conventions").path("webhook_secret").asText();

    private static JsonNode load() {
        try (InputStream in = WebhookConformanceTest.class.getResourceAsStream("/conformance/octo-sts/webhook_cases.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @org.junit.jupiter.api.Test
    void theVectorsHoldSixtySixRows() {
        assertThat(rows()).hasSize(66);
    }

    static Stream<Arguments> rows() {
        List<Arguments> rows = new ArrayList<>();
        for (JsonNode row : DOCUMENT.path("cases")) {
            rows.add(Arguments.argumentSet(row.path("id").asText(), row));
        }
        return rows.stream();
    }

    @ParameterizedTest
    @MethodSource("rows")
    void row(JsonNode row) throws Exception {
        JsonNode input = row.path("input");
        JsonNode expected = row.path("expected");
        switch (row.path("kind").asText()) {
            case "http" -> http(row);
            case "validate_policies" -> {
                PolicyVerdicts verdicts = new PolicyVerdicts(input.path("org_policy_repo").asText(), new TrustPolicies());
                boolean anyError = false;
                for (JsonNode file : input.path("files")) {
                    String text = row.path("file_contents").path(file.asText()).asText();
                    anyError |= !verdicts.judge(input.path("repo").asText(), file.asText(), text).valid();
                }
                assertThat(anyError).isEqualTo(expected.path("error").asBoolean());
            }
            case "filter_validated_files" -> assertThat(ValidatedPaths.filter(input.path("repo").asText(),
                    strings(input.path("files")), input.path("org_policy_repo").asText()))
                    .containsExactlyElementsOf(strings(expected.path("files")));
            case "files_from_push_event" -> {
                List<WebhookEvent.Commit> commits = new ArrayList<>();
                for (JsonNode commit : input.path("commits")) {
                    commits.add(new WebhookEvent.Commit(strings(commit.path("added")), strings(commit.path("modified")),
                            strings(commit.path("removed"))));
                }
                assertThat(ValidatedPaths.filter(input.path("repo").asText(), ValidatedPaths.fromPush(commits),
                        input.path("org_policy_repo").asText())).containsExactlyElementsOf(strings(expected.path("files")));
            }
            case "is_validated_path" -> assertThat(ValidatedPaths.isValidated(input.path("repo").asText(),
                    input.path("path").asText(), input.path("org_policy_repo").asText()))
                    .isEqualTo(expected.path("validated").asBoolean());
            case "is_github_rate_limited" -> assertThat(WebhookService.abortsValidation(readWithError(input.path("error"))))
                    .isEqualTo(expected.path("rate_limited").asBoolean());
            case "parse_org_trusted_issuers" -> assertThat(new PolicyVerdicts(".github", new TrustPolicies())
                    .judge(".github", ".github/chainguard/trusted-token-issuers.yaml", input.path("yaml").asText()).valid())
                    .isEqualTo(!expected.path("error").asBoolean());
            default -> throw new AssertionError("unknown kind " + row.path("kind").asText());
        }
    }

    /** A real read through the GitHub client, answered by the simulator as the Go test's error says. */
    private static ContentsResult readWithError(JsonNode error) {
        MutableClock clock = MutableClock.running();
        try (GitHubSimulator github = GitHubSimulator.start("", clock);
             GitHubClient client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(5), clock)) {
            GitHubSimulator.SimulatedApp sim = github.createApp();
            GitHubApp app = new GitHubApp(sim.appId(), PemKeys.fromPem(sim.privateKeyPem(), "App"));
            long installation = github.install(sim.appId(), "foo", Map.of("contents", "read"), null);
            github.putFileAt("foo", "bar", "5678", ".github/chainguard/a.sts.yaml", "issuer: x\n");
            String text = error.isNull() ? null : error.asText();
            if (text != null) {
                github.addFault(switch (text) {
                    case "RateLimitError (403)" -> Fault.rateLimited403("/contents/");
                    case "AbuseRateLimitError (403)" -> new Fault(null, "/contents/", 403, Map.of("Retry-After", "60"),
                            "{\"message\":\"You have exceeded a secondary rate limit.\",\"documentation_url\":"
                                    + "\"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits\"}", -1);
                    case "ErrorResponse 403" -> new Fault(null, "/contents/", 403, Map.of(), "{\"message\":\"Forbidden\"}", -1);
                    case "ErrorResponse 429" -> new Fault(null, "/contents/", 429, Map.of(), "{\"message\":\"Too Many Requests\"}", -1);
                    case "ErrorResponse 404" -> new Fault(null, "/contents/", 404, Map.of(), "{\"message\":\"Not Found\"}", -1);
                    default -> throw new AssertionError("unknown error " + text);
                });
            }
            MintResult.Minted minted = (MintResult.Minted) client.mintToken(app, installation, null, Map.of("contents", "read"));
            return client.contentsAt(new InstallationAccess(app, installation, minted.token()), "foo", "bar",
                    ".github/chainguard/a.sts.yaml", "5678");
        }
    }

    private void http(JsonNode row) {
        JsonNode payload = row.path("payload");
        JsonNode expected = row.path("expected");
        String event = row.path("event_type").asText();
        String owner = payload.path("repository").path("owner").path("login").asText("foo");
        String repo = payload.path("repository").path("name").asText("bar");
        String sha = switch (event) {
            case "push" -> payload.path("after").asText();
            case "pull_request" -> payload.path("pull_request").path("head").path("sha").asText();
            case "check_suite" -> payload.path("check_suite").path("head_sha").asText();
            default -> payload.path("check_run").path("check_suite").path("head_sha").asText();
        };
        try (Harness harness = new Harness()) {
            GitHubSimulator github = harness.github;
            harness.env.put("GITHUB_WEBHOOK_SECRET", SECRET);
            JsonNode validator = row.path("validator");
            if (validator.has("organizations")) {
                harness.env.put("GITHUB_WEBHOOK_ORGANIZATION_FILTER", String.join(",", strings(validator.path("organizations"))));
            }
            if (validator.has("org_policy_repo")) {
                harness.env.put("ORG_POLICY_REPO", validator.path("org_policy_repo").asText());
            }
            long appId = harness.app(0).appId();
            long installationId = payload.path("installation").path("id").asLong(0);
            github.createRepository(owner, repo.isEmpty() ? "bar" : repo);
            if (installationId > 0) {
                github.installWithId(installationId, appId, owner, Harness.ALL_PERMISSIONS, null);
            } else {
                github.install(appId, owner, Harness.ALL_PERMISSIONS, null);
            }
            if (!sha.isEmpty() && !repo.isEmpty()) {
                github.createRef(owner, repo, sha);
                row.path("file_contents").properties().forEach(file ->
                        github.putFileAt(owner, repo, sha, file.getKey(), file.getValue().asText()));
                for (JsonNode entry : row.path("directory_listing")) {
                    if (!row.path("file_contents").has(entry.path("path").asText())) {
                        github.putFileAt(owner, repo, sha, entry.path("path").asText(), "# not a policy\n");
                    }
                }
            }
            if (row.has("compare")) {
                JsonNode compare = row.path("compare");
                github.setComparison(owner, repo, compare.path("base").asText(), compare.path("head").asText(),
                        changes(compare.path("files")));
            }
            row.path("pr_files").properties().forEach(pr ->
                    github.setPullRequestFiles(owner, repo, Long.parseLong(pr.getKey()), changes(pr.getValue())));
            String api = row.path("github_api").asText("");
            if (api.startsWith("Every GitHub API call")) {
                github.addFault(new Fault(null, ".*", 401, Map.of(), "{\"message\":\"Bad credentials\"}", -1));
            } else if (api.startsWith("Every contents read answers 403")) {
                github.addFault(Fault.rateLimited403("/contents/"));
            } else if (!api.isEmpty()) {
                throw new AssertionError("unknown github_api " + api);
            }
            harness.start();

            byte[] body = payload.toString().getBytes(StandardCharsets.UTF_8);
            int repeat = Math.max(1, row.path("repeat").asInt(1));
            for (int i = 0; i < repeat; i++) {
                GitHubSimulator.Delivered response = GitHubSimulator.deliverWebhook(webhookUri(harness),
                        goTestHeaders(event, body), body);
                assertThat(response.statusCode()).as("HTTP status; body %s", response.body())
                        .isEqualTo(expected.path("http_status").asInt());
            }
            assertCheckRuns(github.checkRuns(), expected);
            assertCalls(github.calls(), expected, owner, repo);
        }
    }

    static URI webhookUri(Harness harness) {
        return harness.baseUri().resolve("/webhook");
    }

    /** As the Go tests send them: {@code X-Hub-Signature: sha256=<hex>}, JSON, the event name. */
    static Map<String, String> goTestHeaders(String event, byte[] body) {
        return Map.of("Content-Type", "application/json", "X-GitHub-Event", event,
                "X-GitHub-Delivery", UUID.randomUUID().toString(), "X-Hub-Signature", "sha256=" + hmacSha256(SECRET, body));
    }

    static String hmacSha256(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertCheckRuns(List<CreatedCheckRun> runs, JsonNode expected) {
        if (expected.has("check_runs_count")) {
            assertThat(runs).hasSize(expected.path("check_runs_count").asInt());
        }
        if (!expected.has("check_runs")) {
            return;
        }
        JsonNode wanted = expected.path("check_runs");
        assertThat(runs).as("check runs").hasSize(wanted.size());
        for (int i = 0; i < wanted.size(); i++) {
            JsonNode want = wanted.get(i);
            CreatedCheckRun run = runs.get(i);
            if (expected.path("check_runs_exact").asBoolean()) {
                assertThat(run.name()).isEqualTo(want.path("name").asText());
                assertThat(run.externalId()).isEqualTo(want.path("external_id").asText());
                assertThat(run.status()).isEqualTo(want.path("status").asText());
                assertThat(run.title()).isEqualTo(want.path("output").path("title").asText());
                assertThat(run.summary()).isEqualTo(want.path("output").path("summary").asText());
            }
            assertThat(run.name()).isEqualTo("Trust Policy Validation");
            assertThat(run.status()).isEqualTo("completed");
            assertThat(run.externalId()).isEqualTo(run.headSha());
            assertThat(run.conclusion()).isEqualTo(want.path("conclusion").asText());
            assertThat(run.headSha()).isEqualTo(want.path("head_sha").asText());
            JsonNode output = want.path("output");
            if (output.has("title")) {
                assertThat(run.title()).isEqualTo(output.path("title").asText());
            }
            if (output.has("summary_prefix")) {
                assertThat(run.summary()).startsWith(output.path("summary_prefix").asText());
            }
            for (JsonNode part : output.path("summary_contains")) {
                assertThat(run.summary()).contains(part.asText());
            }
            if (expected.has("summary_derived_not_asserted")) {
                assertThat(run.summary()).isEqualTo(expected.path("summary_derived_not_asserted").asText());
            }
            if (run.conclusion().equals("success")) {
                assertThat(run.text()).as("no warnings for the fixture policies").isNull();
            }
        }
    }

    private static void assertCalls(List<RecordedCall> calls, JsonNode expected, String owner, String repo) {
        String repoPath = "/repos/" + owner + "/" + repo;
        String directory = repoPath + "/contents/.github/chainguard";
        List<String> fetched = calls.stream()
                .filter(c -> c.method().equals("GET") && c.path().startsWith(repoPath + "/contents/") && !c.path().equals(directory))
                .map(c -> c.path().substring((repoPath + "/contents/").length()))
                .toList();
        for (String field : List.of("validated_files", "files_fetched")) {
            if (expected.has(field)) {
                // A list, not a set: a file read twice, or out of order, is a difference.
                assertThat(fetched).as(field).containsExactlyElementsOf(strings(expected.path(field)));
            }
        }
        if (expected.has("max_contents_calls")) {
            assertThat(fetched).hasSizeLessThanOrEqualTo(expected.path("max_contents_calls").asInt());
            if (expected.has("validated_files_order")) {
                // Files are read in sorted order, and the first read's rate limit aborts the rest.
                assertThat(fetched).as("files read").containsExactlyElementsOf(
                        strings(expected.path("validated_files_order")).subList(0, expected.path("max_contents_calls").asInt()));
            }
        }
        if (expected.has("compare_called")) {
            assertThat(calls.stream().anyMatch(c -> c.path().startsWith(repoPath + "/compare/")))
                    .isEqualTo(expected.path("compare_called").asBoolean());
        }
        if (expected.has("directory_listed")) {
            assertThat(calls.stream().anyMatch(c -> c.path().equals(directory)))
                    .isEqualTo(expected.path("directory_listed").asBoolean());
        }
        if (expected.has("contents_called")) {
            assertThat(calls.stream().anyMatch(c -> c.path().contains("/contents/")))
                    .isEqualTo(expected.path("contents_called").asBoolean());
        }
        if (expected.has("pr_files_called")) {
            assertThat(calls.stream().anyMatch(c -> c.path().matches(".*/pulls/[0-9]+/files")))
                    .isEqualTo(expected.path("pr_files_called").asBoolean());
        }
        if (expected.has("github_api_calls")) {
            assertThat(calls).hasSize(expected.path("github_api_calls").asInt());
        }
        if (expected.has("installation_token_mints")) {
            assertThat(calls.stream().filter(c -> c.method().equals("POST") && c.path().endsWith("/access_tokens")))
                    .hasSize(expected.path("installation_token_mints").asInt());
        }
    }

    private static List<SimulatedChange> changes(JsonNode files) {
        List<SimulatedChange> changes = new ArrayList<>();
        for (JsonNode file : files) {
            changes.add(new SimulatedChange(file.path("filename").asText(), file.path("status").asText()));
        }
        return changes;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }

}
