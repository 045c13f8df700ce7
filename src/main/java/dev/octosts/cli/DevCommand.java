package dev.octosts.cli;

import dev.octosts.config.Settings;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.GitHubSimulator.SimulatedApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code octo-sts dev}: the whole exchange on one machine, with no GitHub App and no cloud account —
 * a GitHub simulator seeded with an org, a repository and a trust policy, a local OIDC issuer, and
 * the service, then a ready-to-paste {@code curl}.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run a local sandbox: GitHub simulator, OIDC issuer and the service, with an example policy.")
final class DevCommand implements Callable<Integer> {
    static final String ORG = "example-org";
    static final String REPO = "example-repo";
    static final String DOMAIN = "octo-sts.local";

    @Option(names = "--port", defaultValue = "8080", description = "Port of the service (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws IOException, InterruptedException {
        GitHubSimulator github = GitHubSimulator.start();
        LocalOidcIssuer issuer = LocalOidcIssuer.start();
        SimulatedApp app = github.createApp();
        github.createRepository(ORG, REPO);
        github.createRepository(ORG, Settings.DEFAULT_ORG_POLICY_REPO);
        github.install(app.appId(), ORG, Map.of("contents", "write", "issues", "write", "pull_requests", "write",
                "metadata", "read"), null);
        github.putFile(ORG, REPO, ".github/chainguard/ci.sts.yaml", """
                # Trust GitHub Actions-style tokens from the local issuer for the main branch.
                issuer: %s
                subject: repo:%s/%s:ref:refs/heads/main
                audience: %s
                permissions:
                  contents: read
                  issues: write
                """.formatted(issuer.issuer(), ORG, REPO, DOMAIN));

        Path dir = Files.createTempDirectory("octo-sts-dev");
        Path key = Files.writeString(dir.resolve("app.pem"), app.privateKeyPem());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = Map.of(
                "BIND_ADDRESS", "127.0.0.1",
                "PORT", Integer.toString(port),
                "STS_DOMAIN", DOMAIN,
                "GITHUB_APP_IDS", Long.toString(app.appId()),
                "APP_SECRET_CERTIFICATE_FILE", key.toString(),
                "GITHUB_BASE_URL", github.baseUrl().toString(),
                "OIDC_PRIVATE_NETWORK_HOSTS", "127.0.0.1");
        Application application = Application.start(Settings.fromEnvironment(env), Clock.systemUTC());

        String token = issuer.token().subject("repo:" + ORG + "/" + REPO + ":ref:refs/heads/main")
                .audience(DOMAIN).lifetime(Duration.ofHours(1)).mint();
        System.out.printf("""
                octo-sts dev sandbox is running.
                  service:          http://127.0.0.1:%d
                  GitHub simulator: %s (org %s, repository %s, policy .github/chainguard/ci.sts.yaml)
                  OIDC issuer:      %s

                Exchange a token (the OIDC token below is valid for one hour):

                curl -s -H 'Authorization: Bearer %s' \\
                  'http://127.0.0.1:%d/sts/exchange?scope=%s/%s&identity=ci'

                Each exchange's audit record is logged as one JSON line. Press Ctrl-C to stop.
                %n""", application.server().port(), github.baseUrl(), ORG, REPO, issuer.issuer(), token,
                application.server().port(), ORG, REPO);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            application.close();
            issuer.close();
            github.close();
            stopped.countDown();
        }, "octo-sts-dev-shutdown"));
        stopped.await();
        return 0;
    }
}
