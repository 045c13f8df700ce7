package dev.octosts.exchange;

import dev.octosts.digest.Sha256;
import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.github.AppPool;
import dev.octosts.github.AppRouter;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.PolicyFiles;
import dev.octosts.keys.PemKeys;
import dev.octosts.oidc.OidcSettings;
import dev.octosts.oidc.OidcVerifier;
import dev.octosts.policy.PolicyFileCheck;
import dev.octosts.telemetry.Telemetry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A policy file far over the 64 KiB a policy may have (but under GitHub's 1 MiB response) is refused as
 * the parser refuses it, from the first read and from the cache alike. Real GitHub simulator and OIDC
 * issuer over HTTP.
 */
class OversizedPolicyTest {
    private static final String DOMAIN = "octo-sts.test";
    private final Clock clock = Clock.systemUTC();
    private final GitHubSimulator github = GitHubSimulator.start("", clock);
    private final LocalOidcIssuer issuer = LocalOidcIssuer.start();
    private final GitHubClient client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(5), clock);
    private final OidcVerifier oidc = new OidcVerifier(new OidcSettings(Map.of(), Set.of("127.0.0.1"),
            Duration.ofSeconds(2), Duration.ofSeconds(5), clock));
    private final List<ExchangeRecord> stored = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        oidc.close();
        client.close();
        issuer.close();
        github.close();
    }

    @Test
    void aPolicyFileOverTheLimitIsRefusedAsUnparseableEveryTime() {
        String huge = """
                issuer: %s
                subject: workload
                permissions:
                  contents: read
                """.formatted(issuer.issuer()) + "#" + "x".repeat(700 * 1024) + "\n";
        GitHubSimulator.SimulatedApp app = github.createApp();
        github.createRepository("org", "repo");
        github.install(app.appId(), "org", Map.of("contents", "write", "metadata", "read"), null);
        github.putFile("org", "repo", ".github/chainguard/ci.sts.yaml", huge);
        GitHubApp githubApp = new GitHubApp(app.appId(), PemKeys.fromPem(app.privateKeyPem(), "test App key"));
        AppRouter router = new AppRouter(Map.of(AppRouter.FALLBACK, new AppPool(AppRouter.FALLBACK, List.of(githubApp))));
        ExchangeService service = new ExchangeService(oidc, router, client,
                new PolicyFiles(client, clock, PolicyFileCheck.MAX_FILE_BYTES), record -> {
                    stored.add(record);
                    return new ExchangeRecorder.Receipt(UUID.randomUUID(), stored.size(), Duration.ZERO, Duration.ZERO, 1);
                }, DOMAIN, ".github", clock, Telemetry.off());

        ExchangeResult first = service.exchange(request());
        ExchangeResult cached = service.exchange(request());

        for (ExchangeResult result : List.of(first, cached)) {
            ExchangeRecord record = result.record();
            assertThat(result.allowed()).isFalse();
            assertThat(record.code()).isEqualTo(GrpcCode.NOT_FOUND);
            assertThat(record.reason()).isEqualTo("policy_parse_error");
            assertThat(record.message()).isEqualTo("unable to parse trust policy found for \"ci\"");
            assertThat(record.detail()).isEqualTo("document too large (max 65536 bytes)");
            assertThat(record.policy().blobSha()).isEqualTo(GitHubSimulator.blobSha(huge));
            assertThat(record.policy().sha256()).isEqualTo(Sha256.hex(huge));
            assertThat(record.policy().parsed()).isNull();
        }
        assertThat(stored).hasSize(2);
    }

    private ExchangeRequest request() {
        String token = issuer.token().subject("workload").audience(DOMAIN).mint();
        return new ExchangeRequest(UUID.randomUUID().toString(), List.of("Bearer " + token), "org/repo", List.of(), "ci",
                "127.0.0.1", "test");
    }
}
