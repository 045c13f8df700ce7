package dev.octosts.e2e;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.CreatedCheckRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook beyond Octo STS's rows: signatures (forged, missing, wrong secret, rotation, form bodies),
 * replays, the stricter verdict (policies compiled as the exchange compiles them), risky-policy warnings,
 * and the installation token it mints. Each test pushes to its own commit SHA of one running service.
 */
class WebhookDeliveryTest {
    private static final String OLD_SECRET = "old-secret";
    private static final String NEW_SECRET = "new-secret";
    private static final long INSTALLATION = 4242;
    private static final String VALID_POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject: repo:org/repo:ref:refs/heads/main
            permissions:
              contents: read
            """;
    private static final AtomicInteger SHAS = new AtomicInteger();
    private static Harness harness;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.env.put("GITHUB_WEBHOOK_SECRET", OLD_SECRET + "," + NEW_SECRET);
        long appId = harness.app(0).appId();
        harness.github.installWithId(INSTALLATION, appId, "org", Harness.ALL_PERMISSIONS, null);
        harness.start();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    /** A fresh commit of org/repo holding {@code files}, and a push event naming them as added. */
    private static String push(String sha, Map<String, String> files) {
        files.forEach((path, content) -> harness.github.putFileAt("org", "repo", sha, path, content));
        String added = String.join(",", files.keySet().stream().map(p -> "\"" + p + "\"").toList());
        return """
                {"installation":{"id":%d},"repository":{"owner":{"login":"org"},"name":"repo"},\
                "before":"%s","after":"%s","commits":[{"added":[%s]}]}""".formatted(INSTALLATION, "0" + sha, sha, added);
    }

    private static String newSha() {
        return "c0ffee" + SHAS.incrementAndGet();
    }

    private static GitHubSimulator.Delivered deliver(String secret, String event, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                GitHubSimulator.webhookHeaders(secret, event, UUID.randomUUID().toString(), bytes), bytes);
    }

    private static List<CreatedCheckRun> runsFor(String sha) {
        return harness.github.checkRuns().stream().filter(run -> run.headSha().equals(sha)).toList();
    }

    @Test
    void aSignedPushGetsASuccessfulCheckRun() {
        String sha = newSha();
        GitHubSimulator.Delivered response = deliver(OLD_SECRET, "push", push(sha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY)));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(runsFor(sha)).singleElement().satisfies(run -> {
            assertThat(run.conclusion()).isEqualTo("success");
            assertThat(run.title()).isEqualTo("Valid trust policy.");
            assertThat(run.summary()).isEmpty();
            assertThat(run.text()).isNull();
            assertThat(run.installationId()).isEqualTo(INSTALLATION);
        });
    }

    @Test
    void forgedMissingAndWrongSignaturesAre400WithoutAnyGitHubCall() {
        String sha = newSha();
        byte[] body = push(sha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY)).getBytes(StandardCharsets.UTF_8);
        int callsBefore = harness.github.calls().size();

        Map<String, String> forged = new LinkedHashMap<>(GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "d1", body));
        forged.put("X-Hub-Signature-256", "sha256=" + "ab".repeat(32));
        Map<String, String> missing = new LinkedHashMap<>(GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "d2", body));
        missing.remove("X-Hub-Signature-256");
        missing.remove("X-Hub-Signature");
        Map<String, String> wrongSecret = GitHubSimulator.webhookHeaders("hunter2", "push", "d3", body);
        Map<String, String> tamperedBody = GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "d4", body);
        byte[] tampered = new String(body, StandardCharsets.UTF_8).replace("\"org\"", "\"evil\"").getBytes(StandardCharsets.UTF_8);

        for (Map<String, String> headers : List.of(forged, missing, wrongSecret)) {
            GitHubSimulator.Delivered response = GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), headers, body);
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).isEqualTo("no matching secrets").doesNotContain(OLD_SECRET);
        }
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), tamperedBody, tampered)
                .statusCode()).isEqualTo(400);
        assertThat(harness.github.calls()).hasSize(callsBefore);
        assertThat(runsFor(sha)).isEmpty();
    }

    @Test
    void theSha256SignatureIsPreferredOverTheSha1One() {
        String sha = newSha();
        byte[] body = push(sha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY)).getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>(GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "p1", body));
        headers.put("X-Hub-Signature", "sha1=" + "00".repeat(20));
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), headers, body).statusCode())
                .isEqualTo(200);
        headers.put("X-Hub-Signature-256", "sha256=" + "00".repeat(32));
        headers.put("X-GitHub-Delivery", "p2");
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), headers, body).statusCode())
                .as("a bad sha256 signature is not rescued by a good sha1 one").isEqualTo(400);
        assertThat(runsFor(sha)).singleElement().extracting(CreatedCheckRun::conclusion).isEqualTo("success");
    }

    @Test
    void theSecondSecretWorksDuringRotation() {
        String sha = newSha();
        assertThat(deliver(NEW_SECRET, "push", push(sha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY)))
                .statusCode()).isEqualTo(200);
        assertThat(runsFor(sha)).singleElement().extracting(CreatedCheckRun::conclusion).isEqualTo("success");
    }

    @Test
    void aFormEncodedDeliveryIsReadFromItsPayloadField() {
        String sha = newSha();
        String json = push(sha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY));
        byte[] form = ("payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>(GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "f1", form));
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), headers, form).statusCode())
                .isEqualTo(200);
        assertThat(runsFor(sha)).singleElement().extracting(CreatedCheckRun::conclusion).isEqualTo("success");
    }

    @Test
    void aReplayedDeliveryCreatesNoSecondCheckRun() {
        String sha = newSha();
        byte[] body = push(sha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY)).getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "replayed-id", body);
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), headers, body).statusCode()).isEqualTo(200);
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), headers, body).statusCode())
                .as("the same delivery again").isEqualTo(200);
        Map<String, String> sameBodyNewId = GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "another-id", body);
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), sameBodyNewId, body).statusCode())
                .as("the same signed body under another delivery id").isEqualTo(200);
        assertThat(runsFor(sha)).singleElement().extracting(CreatedCheckRun::conclusion).isEqualTo("success");

        String otherSha = newSha();
        byte[] otherBody = push(otherSha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY)).getBytes(StandardCharsets.UTF_8);
        Map<String, String> sameIdNewBody = GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "replayed-id", otherBody);
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), sameIdNewBody, otherBody).statusCode())
                .as("a known delivery id with another body").isEqualTo(200);
        assertThat(runsFor(otherSha)).isEmpty();
    }

    @Test
    void aDeliveryThatFailedMayBeDeliveredAgain() {
        String sha = newSha();
        byte[] body = push(sha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY)).getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "retried-id", body);
        harness.github.addFault(new GitHubSimulator.Fault("POST", "/check-runs$", 500, Map.of(), "{\"message\":\"boom\"}", 1));
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), headers, body).statusCode()).isEqualTo(500);
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness), headers, body).statusCode()).isEqualTo(200);
        assertThat(runsFor(sha)).singleElement().extracting(CreatedCheckRun::conclusion).isEqualTo("success");
    }

    @Test
    void aPolicyOctoStsWouldPassButTheExchangeCannotCompileFails() {
        String sha = newSha();
        String both = """
                issuer: https://token.actions.githubusercontent.com
                issuer_pattern: https://token\\.actions\\.githubusercontent\\.com
                subject: repo:org/repo:ref:refs/heads/main
                """;
        String badRegex = """
                issuer: https://token.actions.githubusercontent.com
                subject_pattern: "repo:org/repo:(unclosed"
                """;
        assertThat(deliver(OLD_SECRET, "push", push(sha, Map.of(".github/chainguard/both.sts.yaml", both,
                ".github/chainguard/regex.sts.yaml", badRegex, ".github/chainguard/ok.sts.yaml", VALID_POLICY))).statusCode())
                .isEqualTo(200);
        assertThat(runsFor(sha)).singleElement().satisfies(run -> {
            assertThat(run.conclusion()).isEqualTo("failure");
            assertThat(run.title()).isEqualTo("Invalid trust policy.");
            assertThat(run.summary()).isEqualTo("Failed to validate trust policy.\n\n2 errors occurred:\n"
                    + "\t* .github/chainguard/both.sts.yaml: trust policy: only one of issuer or issuer_pattern can be set, got both\n"
                    + "\t* .github/chainguard/regex.sts.yaml: error parsing regexp: missing closing ): `repo:org/repo:(unclosed`\n\n");
        });
    }

    @Test
    void riskyButValidPoliciesGetWarningsThatDoNotFailTheCheck() {
        String sha = newSha();
        String anyRef = """
                issuer: https://token.actions.githubusercontent.com
                subject_pattern: repo:org/repo:ref:refs/heads/.*
                permissions:
                  contents: read
                """;
        String admin = """
                issuer: https://token.actions.githubusercontent.com
                subject: repo:org/repo:ref:refs/heads/main
                permissions:
                  administration: read
                  workflows: write
                """;
        String releaseBranches = """
                issuer: https://token.actions.githubusercontent.com
                subject_pattern: repo:org/repo:ref:refs/heads/release-.*
                """;
        assertThat(deliver(OLD_SECRET, "push", push(sha, Map.of(".github/chainguard/any.sts.yaml", anyRef,
                ".github/chainguard/admin.sts.yaml", admin, ".github/chainguard/release.sts.yaml", releaseBranches)))
                .statusCode()).isEqualTo(200);
        assertThat(runsFor(sha)).singleElement().satisfies(run -> {
            assertThat(run.conclusion()).isEqualTo("success");
            assertThat(run.title()).isEqualTo("Valid trust policy.");
            assertThat(run.summary()).isEmpty();
            assertThat(run.text()).startsWith("Warnings (they do not fail this check):\n\n")
                    .contains("* .github/chainguard/admin.sts.yaml: grants administration: read")
                    .contains("* .github/chainguard/admin.sts.yaml: grants workflows: write")
                    .contains("* .github/chainguard/any.sts.yaml: subject_pattern accepts any branch or tag")
                    .doesNotContain("release.sts.yaml");
        });
    }

    @Test
    void anOrgPolicyWritingEverywhereIsWarnedAbout() {
        String sha = newSha();
        String orgWide = """
                issuer: https://token.actions.githubusercontent.com
                subject: repo:org/.github:ref:refs/heads/main
                permissions:
                  contents: write
                """;
        String limited = orgWide + "repositories: [repo]\n";
        harness.github.putFileAt("org", ".github", sha, ".github/chainguard/wide.sts.yaml", orgWide);
        harness.github.putFileAt("org", ".github", sha, ".github/chainguard/limited.sts.yaml", limited);
        String body = """
                {"installation":{"id":%d},"repository":{"owner":{"login":"org"},"name":".github"},\
                "before":"1","after":"%s","commits":[{"added":[".github/chainguard/wide.sts.yaml",".github/chainguard/limited.sts.yaml"]}]}"""
                .formatted(INSTALLATION, sha);
        assertThat(deliver(OLD_SECRET, "push", body).statusCode()).isEqualTo(200);
        assertThat(runsFor(sha)).singleElement().satisfies(run -> {
            assertThat(run.conclusion()).isEqualTo("success");
            assertThat(run.text()).contains(".github/chainguard/wide.sts.yaml: org policy grants contents: write without a repositories list")
                    .doesNotContain("limited.sts.yaml");
        });
    }

    @Test
    void unknownEventsAre400AndUnhandledOnes202() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        int callsBefore = harness.github.calls().size();
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                GitHubSimulator.webhookHeaders(OLD_SECRET, "no_such_event", "u1", body), body).statusCode()).isEqualTo(400);
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                GitHubSimulator.webhookHeaders(OLD_SECRET, "issues", "u2", body), body).statusCode()).isEqualTo(202);
        byte[] notJson = "{".getBytes(StandardCharsets.UTF_8);
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "u3", notJson), notJson).statusCode()).isEqualTo(400);
        assertThat(harness.github.calls()).hasSize(callsBefore);
    }

    @Test
    void theTokenIsMintedOnceWithOnlyWhatValidationNeeds() {
        int mintsBefore = harness.tokenRequests().size();
        String first = newSha();
        String second = newSha();
        assertThat(deliver(OLD_SECRET, "push", push(first, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY))).statusCode()).isEqualTo(200);
        assertThat(deliver(OLD_SECRET, "push", push(second, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY))).statusCode()).isEqualTo(200);
        assertThat(runsFor(first)).singleElement().extracting(CreatedCheckRun::conclusion).isEqualTo("success");
        assertThat(runsFor(second)).singleElement().extracting(CreatedCheckRun::conclusion).isEqualTo("success");
        List<com.fasterxml.jackson.databind.JsonNode> mints = harness.tokenRequests();
        assertThat(mints.size() - mintsBefore).isLessThanOrEqualTo(1);
        assertThat(mints.getLast()).isEqualTo(Harness.json(
                "{\"permissions\":{\"checks\":\"write\",\"contents\":\"read\",\"pull_requests\":\"read\"}}"));
        assertThat(harness.github.issuedTokens()).noneMatch(token -> token.permissions().containsKey("administration"));
    }

    @Test
    void withoutASecretTheRouteIsNotServed() {
        try (Harness plain = new Harness()) {
            plain.app(0);
            plain.start();
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            GitHubSimulator.Delivered response = GitHubSimulator.deliverWebhook(plain.baseUri().resolve("/webhook"),
                    GitHubSimulator.webhookHeaders(OLD_SECRET, "push", "n1", body), body);
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(plain.github.calls()).isEmpty();
        }
    }

    @Test
    void whileUnverifiedBodiesHoldThirtyTwoMibASignedDeliveryStillGoesThrough() throws Exception {
        URI webhook = WebhookConformanceTest.webhookUri(harness);
        int largest = Math.toIntExact(dev.octosts.http.StsServer.MAX_WEBHOOK_PAYLOAD);
        List<Socket> floods = new java.util.ArrayList<>();
        java.util.concurrent.CountDownLatch cutOff = new java.util.concurrent.CountDownLatch(8);
        try {
            // Eight deliveries of the largest size from eight addresses, each one byte short, with a signature
            // of the right shape: together they would hold all the memory bodies may take.
            byte[] almostWhole = new byte[largest - 1];
            for (int i = 0; i < 8; i++) {
                Socket flood = new Socket(java.net.InetAddress.getByName(webhook.getHost()), webhook.getPort(),
                        java.net.InetAddress.getByName("127.0.0." + (50 + i)), 0);
                floods.add(flood);
                OutputStream out = flood.getOutputStream();
                out.write(("POST /webhook HTTP/1.1\r\nHost: " + webhook.getAuthority() + "\r\nContent-Type: application/json\r\n"
                        + "X-GitHub-Event: push\r\nX-Hub-Signature-256: sha256=" + "ab".repeat(32) + "\r\nContent-Length: "
                        + largest + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(almostWhole);
                out.flush();
                Thread.ofVirtual().start(() -> {
                    try {
                        while (flood.getInputStream().read() >= 0) {
                            // until the server closes it
                        }
                    } catch (java.io.IOException e) {
                        // reset by the server, or closed by the test
                    }
                    cutOff.countDown();
                });
            }
            Thread.sleep(1_000);
            String sha = newSha();
            assertThat(deliver(OLD_SECRET, "push", push(sha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY)))
                    .statusCode()).isEqualTo(200);
            assertThat(runsFor(sha)).singleElement().extracting(CreatedCheckRun::conclusion).isEqualTo("success");
            // Liveness: each flood loses its memory to a newer delivery or, at the latest, to the 10 s deadline.
            assertThat(cutOff.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("every flood is cut off").isTrue();
        } finally {
            for (Socket flood : floods) {
                flood.close();
            }
        }
        String sha = newSha();
        assertThat(deliver(OLD_SECRET, "push", push(sha, Map.of(".github/chainguard/ci.sts.yaml", VALID_POLICY)))
                .statusCode()).isEqualTo(200);
        assertThat(runsFor(sha)).singleElement().extracting(CreatedCheckRun::conclusion).isEqualTo("success");
    }

    @Test
    void theExchangeKeepsItsSmallBodyLimitNextToTheWebhook() {
        String form = "scope=org%2Frepo&identity=ci&pad=" + "x".repeat(20_000);
        Harness.Response response = harness.send(java.net.http.HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)).build());
        assertThat(response.status()).isEqualTo(413);
    }
}
