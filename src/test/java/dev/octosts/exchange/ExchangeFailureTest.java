package dev.octosts.exchange;

import dev.octosts.digest.Sha256;
import java.util.logging.Logger;
import java.util.logging.LogRecord;
import java.util.logging.Handler;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No token outlives an error: whatever fails after GitHub minted a token, the token is revoked, the
 * failure is recorded, and the caller gets an error instead of the token. Real GitHub simulator and OIDC
 * issuer over HTTP; the recorder is the part made to fail.
 */
class ExchangeFailureTest {
    private static final String DOMAIN = "octo-sts.test";
    private final Clock clock = Clock.systemUTC();
    private final GitHubSimulator github = GitHubSimulator.start("", clock);
    private final LocalOidcIssuer issuer = LocalOidcIssuer.start();
    private final GitHubClient client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(5), clock);
    private final OidcVerifier oidc = new OidcVerifier(new OidcSettings(Map.of(), Set.of("127.0.0.1"),
            Duration.ofSeconds(2), Duration.ofSeconds(5), clock));

    @AfterEach
    void stop() {
        oidc.close();
        client.close();
        issuer.close();
        github.close();
    }

    /** Records every append, and throws instead for the records {@code failing} picks. */
    private static final class FaultyRecorder implements ExchangeRecorder {
        final List<ExchangeRecord> stored = new CopyOnWriteArrayList<>();
        private final Predicate<ExchangeRecord> failing;
        private final RuntimeException error;

        FaultyRecorder(Predicate<ExchangeRecord> failing, RuntimeException error) {
            this.failing = failing;
            this.error = error;
        }

        @Override
        public Receipt append(ExchangeRecord record) {
            if (failing.test(record)) {
                throw error;
            }
            stored.add(record);
            return new Receipt(UUID.randomUUID(), stored.size(), Duration.ZERO, Duration.ZERO, 1);
        }
    }

    private ExchangeService service(ExchangeRecorder recorder) {
        GitHubSimulator.SimulatedApp app = github.createApp();
        github.createRepository("org", "repo");
        github.install(app.appId(), "org", Map.of("contents", "write", "metadata", "read"), null);
        github.putFile("org", "repo", ".github/chainguard/ci.sts.yaml", """
                issuer: %s
                subject: workload
                permissions:
                  contents: read
                """.formatted(issuer.issuer()));
        GitHubApp githubApp = new GitHubApp(app.appId(), PemKeys.fromPem(app.privateKeyPem(), "test App key"));
        AppRouter router = new AppRouter(Map.of(AppRouter.FALLBACK, new AppPool(AppRouter.FALLBACK, List.of(githubApp))));
        return new ExchangeService(oidc, router, client, new PolicyFiles(client, clock, PolicyFileCheck.MAX_FILE_BYTES),
                recorder, DOMAIN, ".github", clock, Telemetry.off());
    }

    private ExchangeRequest request() {
        String token = issuer.token().subject("workload").audience(DOMAIN).mint();
        return new ExchangeRequest(UUID.randomUUID().toString(), List.of("Bearer " + token), "org/repo", List.of(), "ci",
                "127.0.0.1", "test");
    }

    @Test
    void anUnexpectedFailureWhileRecordingAnIssuedTokenRevokesItAndRecordsTheError() {
        FaultyRecorder recorder = new FaultyRecorder(record -> record.decision() == Decision.ALLOW,
                new IllegalStateException("a bug in the recorder"));
        ExchangeService service = service(recorder);

        ExchangeResult result = service.exchange(request());

        assertThat(result.allowed()).isFalse();
        assertThat(result.token()).isNull();
        assertThat(result.record().code()).isEqualTo(GrpcCode.INTERNAL);
        assertThat(result.record().reason()).isEqualTo("internal_error");
        assertThat(recorder.stored).singleElement().satisfies(record -> {
            assertThat(record.decision()).isEqualTo(Decision.ERROR);
            assertThat(record.reason()).isEqualTo("internal_error");
            assertThat(record.detail()).contains("IllegalStateException").contains("was revoked");
        });
        // Two tokens were minted: the one that read the policy, and the caller's. Neither is alive.
        assertThat(github.issuedTokens()).hasSize(2).allSatisfy(token -> assertThat(token.revoked()).isTrue());
    }

    @Test
    void whenEvenTheErrorRecordFailsTheCallerIsToldTheLedgerIsUnavailable() {
        FaultyRecorder recorder = new FaultyRecorder(record -> true, new IllegalStateException("always"));
        ExchangeService service = service(recorder);

        ExchangeResult result = service.exchange(request());

        assertThat(result.allowed()).isFalse();
        assertThat(result.record().code()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(recorder.stored).isEmpty();
        assertThat(github.issuedTokens()).hasSize(2).allSatisfy(token -> assertThat(token.revoked()).isTrue());
    }

    @Test
    void whenTheLedgerFailsAndGitHubRefusesTheRevocationTheCallerStillGetsNoToken() {
        ExchangeRecorder down = record -> {
            throw new ExchangeRecorder.RecordingException("ledger queue full", null);
        };
        ExchangeService service = service(down);
        github.addFault(new GitHubSimulator.Fault("DELETE", "^/installation/token$", 500, Map.of(),
                "{\"message\":\"Server Error\"}", -1));

        List<String> logged = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(ExchangeCompletion.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord entry) {
                logged.add(entry.getLevel() + " " + entry.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        ExchangeResult result;
        try {
            result = service.exchange(request());
        } finally {
            log.removeHandler(capture);
        }

        assertThat(result.allowed()).isFalse();
        assertThat(result.token()).isNull();
        // The record of this exchange never lands: the log is where the live token is named, by its SHA-256 only.
        assertThat(logged).singleElement().asString().startsWith("WARNING exchange ").contains("could not be revoked");
        assertThat(github.issuedTokens()).filteredOn(token -> logged.getFirst().contains(Sha256.hex(token.token())))
                .hasSize(1);
        assertThat(github.issuedTokens()).noneMatch(token -> logged.getFirst().contains(token.token()));
        assertThat(result.record().code()).isEqualTo(GrpcCode.UNAVAILABLE);
        assertThat(result.record().reason()).isEqualTo("ledger_unavailable");
        assertThat(result.record().message()).isEqualTo("unable to record the exchange");
        // The record says which token outlives the failure and until when, since GitHub would not revoke it.
        assertThat(result.record().detail()).startsWith("ledger queue full; the minted token could not be revoked (it expires at ");
        assertThat(github.issuedTokens()).hasSize(2).noneMatch(GitHubSimulator.IssuedToken::revoked);
        assertThat(github.calls()).filteredOn(call -> call.method().equals("DELETE")).hasSize(2);
    }
}
