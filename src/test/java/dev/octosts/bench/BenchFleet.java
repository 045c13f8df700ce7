package dev.octosts.bench;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalKeys;
import dev.octosts.dev.LocalOidcIssuer;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end benchmarks' legitimate users: one App installed on one organization whose
 * {@value #REPOSITORIES} repositories each have a trust policy for the local issuer, and
 * {@value #SUBJECTS} workflow tokens (branches of those repositories) that each policy allows.
 */
record BenchFleet(GitHubSimulator.SimulatedApp app, List<Exchange> exchanges) {
    static final int REPOSITORIES = 200;
    static final int SUBJECTS = 1000;
    static final String ORG = "bench-org";
    static final String DOMAIN = "octo-sts.bench";

    /** One legitimate exchange: a workflow's token and the repository it asks for. */
    record Exchange(String token, String scope) {
        HttpRequest request(URI base) {
            return HttpRequest.newBuilder(base.resolve(path()))
                    .header("Authorization", "Bearer " + token).build();
        }

        String path() {
            return "/sts/exchange?scope=" + scope + "&identity=ci";
        }
    }

    static BenchFleet create(GitHubSimulator github, LocalOidcIssuer issuer) {
        GitHubSimulator.SimulatedApp app = installedApp(github);
        for (int repo = 0; repo < REPOSITORIES; repo++) {
            github.putFile(ORG, "repo-" + repo, ".github/chainguard/ci.sts.yaml", """
                    issuer: %s
                    subject_pattern: 'repo:%s/repo-%d:ref:refs/heads/(main|release/.*)'
                    claim_pattern:
                      workflow_ref: '%s/repo-%d/\\.github/workflows/.*'
                    permissions:
                      contents: read
                      issues: write
                    """.formatted(issuer.issuer(), ORG, repo, ORG, repo));
        }
        github.createRepository(ORG, ".github");
        List<Exchange> exchanges = new ArrayList<>();
        for (int subject = 0; subject < SUBJECTS; subject++) {
            int repo = subject % REPOSITORIES;
            String branch = subject % 2 == 0 ? "main" : "release/v" + subject;
            String token = issuer.token().subject("repo:" + ORG + "/repo-" + repo + ":ref:refs/heads/" + branch)
                    .audience(DOMAIN).lifetime(Duration.ofHours(2))
                    .claim("workflow_ref", ORG + "/repo-" + repo + "/.github/workflows/ci.yaml@refs/heads/" + branch)
                    .claim("run_id", Integer.toString(1_000_000 + subject)).mint();
            exchanges.add(new Exchange(token, ORG + "/repo-" + repo));
        }
        return new BenchFleet(app, exchanges);
    }

    /**
     * The same repositories, policies and tokens, served by a new App installed on the organization: one
     * with GitHub rate-limit budgets of its own (the simulator reports them, and the service treats an
     * error that comes with none left as rate limiting).
     */
    BenchFleet withNewApp(GitHubSimulator github) {
        return new BenchFleet(installedApp(github), exchanges);
    }

    private static GitHubSimulator.SimulatedApp installedApp(GitHubSimulator github) {
        GitHubSimulator.SimulatedApp app = github.createApp();
        github.install(app.appId(), ORG, Map.of("contents", "write", "issues", "write", "metadata", "read"), null);
        return app;
    }

    /**
     * The service's settings for this fleet, as deployed: two database logins ({@code runtime} may only
     * INSERT and SELECT, {@code owner} migrated the schema), keys in {@code work}, the admin listener on
     * {@code adminPort}, and the local issuer reachable on loopback.
     */
    Map<String, String> serviceEnvironment(Path work, GitHubSimulator github, String owner, String runtime, int adminPort)
            throws java.io.IOException {
        Map<String, String> env = new HashMap<>();
        env.put("BIND_ADDRESS", "127.0.0.1");
        env.put("PORT", "0");
        env.put("ADMIN_PORT", Integer.toString(adminPort));
        env.put("STS_DOMAIN", DOMAIN);
        env.put("GITHUB_APP_IDS", Long.toString(app.appId()));
        env.put("APP_SECRET_CERTIFICATE_FILE", Files.writeString(work.resolve("app.pem"), app.privateKeyPem()).toString());
        env.put("LEDGER_SIGNING_KEY_FILE", Files.writeString(work.resolve("ledger.pem"),
                LocalKeys.rsa2048().privateKeyPem()).toString());
        env.put("GITHUB_BASE_URL", github.baseUrl().toString());
        env.put("OIDC_PRIVATE_NETWORK_HOSTS", "127.0.0.1");
        env.put("DATABASE_URL", runtime);
        env.put("DATABASE_MIGRATION_URL", owner);
        // The benchmark migrated before it created the runtime login, which needs the migration's role.
        env.put("DATABASE_MIGRATE", "false");
        return env;
    }

    static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
