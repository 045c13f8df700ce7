package dev.octosts.github;

import dev.octosts.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.AuthKind;
import dev.octosts.dev.GitHubSimulator.Fault;
import dev.octosts.dev.GitHubSimulator.IssuedToken;
import dev.octosts.dev.GitHubSimulator.RecordedCall;
import dev.octosts.dev.GitHubSimulator.SimulatedApp;
import dev.octosts.keys.PemKeys;
import dev.octosts.keys.SelfSignedCertificates;
import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicInteger;
import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GitHubClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.atSystemTime();
    private GitHubSimulator github;
    private GitHubClient client;
    private GitHubApp app;
    private SimulatedApp simulatedApp;

    @BeforeEach
    void start() {
        github = GitHubSimulator.start("", clock);
        simulatedApp = github.createApp();
        app = new GitHubApp(simulatedApp.appId(), PemKeys.fromPem(simulatedApp.privateKeyPem(), "simulated App"));
        client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(10), clock);
    }

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    // ---- installations ---------------------------------------------------------------------------

    @Test
    void findsTheInstallationOfAnOwner() {
        github.install(app.appId(), "other", Map.of("contents", "read"), null);
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);

        assertThat(client.findInstallation(app, "acme")).isEqualTo(new InstallationResult.Found(id));
        RecordedCall call = github.calls().getFirst();
        assertThat(call.path()).isEqualTo("/app/installations");
        assertThat(call.query()).isEqualTo("per_page=100");
        assertThat(call.authKind()).isEqualTo(AuthKind.APP_JWT);
        assertThat(call.status()).isEqualTo(200);
    }

    @Test
    void anOwnerWithoutTheAppIsNotInstalled() {
        github.install(app.appId(), "acme", Map.of("contents", "read"), null);

        assertThat(client.findInstallation(app, "nobody")).isEqualTo(new InstallationResult.NotInstalled());
    }

    @Test
    void loginMatchingIsCaseSensitive() {
        github.install(app.appId(), "Acme", Map.of("contents", "read"), null);

        assertThat(client.findInstallation(app, "acme")).isEqualTo(new InstallationResult.NotInstalled());
        assertThat(client.findInstallation(app, "Acme")).isInstanceOf(InstallationResult.Found.class);
    }

    @Test
    void followsPaginationPastOneHundredInstallations() {
        for (int i = 0; i < 150; i++) {
            github.install(app.appId(), "org" + i, Map.of("contents", "read"), null);
        }
        long last = github.install(app.appId(), "target", Map.of("contents", "read"), null);

        assertThat(client.findInstallation(app, "target")).isEqualTo(new InstallationResult.Found(last));
        assertThat(github.calls()).extracting(RecordedCall::query)
                .containsExactly("per_page=100", "per_page=100&page=2");
        // Every page seen seeds the cache: another owner costs no call.
        github.clearCalls();
        assertThat(client.findInstallation(app, "org7")).isInstanceOf(InstallationResult.Found.class);
        assertThat(github.calls()).isEmpty();
    }

    @Test
    void cachesFoundInstallationsForAnHour() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        client.findInstallation(app, "acme");
        github.clearCalls();

        clock.advance(Duration.ofMinutes(59));
        assertThat(client.findInstallation(app, "acme")).isEqualTo(new InstallationResult.Found(id));
        assertThat(github.calls()).isEmpty();

        clock.advance(Duration.ofMinutes(2));
        assertThat(client.findInstallation(app, "acme")).isEqualTo(new InstallationResult.Found(id));
        assertThat(github.calls()).hasSize(1);
    }

    @Test
    void remembersNotInstalledForFiveMinutes() {
        assertThat(client.findInstallation(app, "acme")).isEqualTo(new InstallationResult.NotInstalled());
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.clearCalls();

        clock.advance(Duration.ofMinutes(4).plusSeconds(59));
        assertThat(client.findInstallation(app, "acme")).isEqualTo(new InstallationResult.NotInstalled());
        assertThat(github.calls()).isEmpty();

        clock.advance(Duration.ofSeconds(2));
        assertThat(client.findInstallation(app, "acme")).isEqualTo(new InstallationResult.Found(id));
        assertThat(github.calls()).hasSize(1);
    }

    @Test
    void errorsAreNotCached() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.addFault(new Fault("GET", "^/app/installations$", 500, Map.of(), "{\"message\":\"boom\"}", 1));

        assertThat(client.findInstallation(app, "acme"))
                .isEqualTo(new InstallationResult.Failed(new GitHubError(500, false, false, "boom")));
        assertThat(client.findInstallation(app, "acme")).isEqualTo(new InstallationResult.Found(id));
    }

    @Test
    void refusesAPaginationLinkThatLeavesTheBaseUrl() {
        github.addFault(new Fault("GET", "^/app/installations$", 200,
                Map.of("Link", "<http://127.0.0.2:1/app/installations?page=2>; rel=\"next\""), "[]", -1));

        InstallationResult result = client.findInstallation(app, "acme");

        assertThat(result).isInstanceOfSatisfying(InstallationResult.Failed.class,
                f -> assertThat(f.error().message()).contains("pagination link points outside"));
        assertThat(github.calls()).hasSize(1);
    }

    @Test
    void aBadAppKeyIsAFailedLookupWith401() {
        SimulatedApp other = github.createApp();
        GitHubApp impostor = new GitHubApp(app.appId(), PemKeys.fromPem(other.privateKeyPem(), "another App's key"));

        InstallationResult result = client.findInstallation(impostor, "acme");

        assertThat(result).isInstanceOfSatisfying(InstallationResult.Failed.class,
                f -> assertThat(f.error().status()).isEqualTo(401));
    }

    @Test
    void aKeyThatCannotSignIsAFailedCallNotAnException() throws Exception {
        dev.octosts.keys.SigningKey broken = new dev.octosts.keys.SigningKey() {
            @Override
            public String description() {
                return "a key that only does HMAC";
            }

            @Override
            public java.security.PublicKey publicKey() {
                return simulatedApp.publicKey();
            }

            @Override
            public com.nimbusds.jose.JWSSigner jwsSigner() {
                try {
                    return new com.nimbusds.jose.crypto.MACSigner(new byte[32]);
                } catch (com.nimbusds.jose.KeyLengthException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        GitHubApp unsignable = new GitHubApp(app.appId(), broken);

        assertThat(client.findInstallation(unsignable, "acme")).isInstanceOfSatisfying(InstallationResult.Failed.class,
                f -> assertThat(f.error().message()).isEqualTo("cannot sign the JWT of GitHub App " + app.appId()));
        assertThat(client.mintToken(unsignable, 1, null, Map.of())).isInstanceOf(MintResult.Failed.class);
        assertThat(github.calls()).isEmpty();
    }

    // ---- mint ------------------------------------------------------------------------------------

    @Test
    void mintOmitsEmptyRepositoriesAndAlwaysSendsPermissions() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "write", "issues", "read"), null);

        MintResult result = client.mintToken(app, id, List.of(), Map.of());

        assertThat(result).isInstanceOf(MintResult.Minted.class);
        JsonNode body = JSON.readTree(github.calls().getFirst().body());
        assertThat(body.has("repositories")).isFalse();
        assertThat(body.get("permissions").isObject()).isTrue();
        assertThat(body.get("permissions").size()).isZero();
        // An empty request means everything the installation was granted.
        InstallationToken token = ((MintResult.Minted) result).token();
        assertThat(token.permissions()).isEqualTo(Map.of("contents", "write", "issues", "read"));
        assertThat(token.repositories()).isEmpty();
    }

    @Test
    void mintsATokenLimitedToRepositoriesAndPermissions() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "write", "issues", "read"), null);
        github.createRepository("acme", "repo");

        MintResult result = client.mintToken(app, id, List.of("repo"), Map.of("contents", "read"));

        InstallationToken token = ((MintResult.Minted) result).token();
        assertThat(token.token()).startsWith("ghs_");
        assertThat(token.permissions()).isEqualTo(Map.of("contents", "read"));
        assertThat(token.repositories()).containsExactly("repo");
        assertThat(token.expiresAtRaw()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(token.expiresAt()).isEqualTo(clock.instant().truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofHours(1)));
        assertThat(token.toString()).doesNotContain(token.token());
        JsonNode body = JSON.readTree(github.calls().getFirst().body());
        assertThat(body.get("repositories").toString()).isEqualTo("[\"repo\"]");
        assertThat(body.get("permissions").toString()).isEqualTo("{\"contents\":\"read\"}");
        IssuedToken issued = github.issuedTokens().getFirst();
        assertThat(issued.token()).isEqualTo(token.token());
        assertThat(issued.repositories()).containsExactly("repo");
    }

    @Test
    void aPermissionEscalationIsA422() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);

        MintResult result = client.mintToken(app, id, null, Map.of("contents", "write"));

        assertThat(result).isInstanceOfSatisfying(MintResult.Failed.class, f -> {
            assertThat(f.error().status()).isEqualTo(422);
            assertThat(f.error().rateLimited()).isFalse();
            assertThat(f.error().rateLimitedLenient()).isFalse();
            assertThat(f.error().message()).contains("contents");
        });
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {403, 429})
    void aRateLimitedMintIsFlagged(int status) {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.addFault(status == 403 ? Fault.rateLimited403("/access_tokens$") : Fault.rateLimited429("/access_tokens$"));

        MintResult result = client.mintToken(app, id, null, Map.of());

        assertThat(result).isInstanceOfSatisfying(MintResult.Failed.class, f -> {
            assertThat(f.error().status()).isEqualTo(status);
            assertThat(f.error().rateLimited()).isTrue();
            assertThat(f.error().rateLimitedLenient()).isTrue();
            assertThat(f.error().message()).isEqualTo("API rate limit exceeded");
        });
    }

    @Test
    void aTransportErrorIsStatusZeroAndNotARateLimit() {
        URI closed = github.baseUrl();
        github.close();
        try (GitHubClient offline = new GitHubClient(closed, Duration.ofSeconds(2), clock)) {
            MintResult result = offline.mintToken(app, 1, null, Map.of());
            assertThat(result).isInstanceOfSatisfying(MintResult.Failed.class, f -> {
                assertThat(f.error().status()).isZero();
                assertThat(f.error().rateLimited()).isFalse();
                assertThat(f.error().rateLimitedLenient()).isFalse();
            });
        }
    }

    @Test
    void anOversizedBodyIsRefused() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        String huge = "{\"message\":\"" + "x".repeat(GitHubTransport.MAX_BODY_BYTES) + "\"}";
        github.addFault(new Fault("POST", "/access_tokens$", 500, Map.of(), huge, 1));

        MintResult result = client.mintToken(app, id, null, Map.of());

        assertThat(result).isInstanceOfSatisfying(MintResult.Failed.class, f -> {
            assertThat(f.error().status()).isZero();
            assertThat(f.error().message()).contains("larger than");
        });
    }

    @Test
    void errorMessagesAreTruncatedAndCarryNoTokens() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.addFault(new Fault("POST", "/access_tokens$", 500, Map.of(),
                "{\"message\":\"bad ghs_abcdefghijklmnopqrstuvwxyz0123456789 " + "y".repeat(500) + "\"}", 1));

        GitHubError error = ((MintResult.Failed) client.mintToken(app, id, null, Map.of())).error();

        assertThat(error.message()).startsWith("bad [redacted] yyy").doesNotContain("ghs_");
        assertThat(error.message().length()).isLessThanOrEqualTo(GitHubError.MAX_MESSAGE + 1);
    }

    // ---- files -----------------------------------------------------------------------------------

    @Test
    void readsAFileWithARepoScopedReadTokenAndRevokesIt() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "write", "issues", "write"), null);
        String yaml = "issuer: https://token.actions.githubusercontent.com\nsubject: repo:acme/repo:ref:refs/heads/main\n"
                + "permissions:\n  contents: read\n".repeat(20);
        github.putFile("acme", "repo", ".github/chainguard/deploy.sts.yaml", yaml);

        FileResult result = client.readFile(app, id, "acme", "repo", ".github/chainguard/deploy.sts.yaml");

        assertThat(result).isEqualTo(new FileResult.Found(yaml, GitHubSimulator.blobSha(yaml)));
        assertThat(github.calls()).extracting(c -> c.method() + " " + c.path() + " " + c.status() + " " + c.authKind())
                .containsExactly(
                        "POST /app/installations/" + id + "/access_tokens 201 APP_JWT",
                        "GET /repos/acme/repo/contents/.github/chainguard/deploy.sts.yaml 200 INSTALLATION_TOKEN",
                        "DELETE /installation/token 204 INSTALLATION_TOKEN");
        assertThat(JSON.readTree(github.calls().getFirst().body()))
                .isEqualTo(JSON.readTree("{\"repositories\":[\"repo\"],\"permissions\":{\"contents\":\"read\"}}"));
        IssuedToken token = github.issuedTokens().getFirst();
        assertThat(token.revoked()).isTrue();
        assertThat(token.repositories()).containsExactly("repo");
        assertThat(token.permissions()).isEqualTo(Map.of("contents", "read"));
    }

    @Test
    void aMissingFileIsMissingAndTheTokenIsStillRevoked() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.createRepository("acme", "repo");

        assertThat(client.readFile(app, id, "acme", "repo", ".github/chainguard/x.sts.yaml"))
                .isEqualTo(new FileResult.Missing());
        assertThat(github.issuedTokens()).singleElement().extracting(IssuedToken::revoked).isEqualTo(true);
    }

    @Test
    void aDirectoryIsAFailure() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.putFile("acme", "repo", ".github/chainguard/a.sts.yaml", "x: 1\n");

        FileResult result = client.readFile(app, id, "acme", "repo", ".github/chainguard");

        assertThat(result).isInstanceOfSatisfying(FileResult.Failed.class,
                f -> assertThat(f.error().message()).contains("directory"));
        assertThat(github.issuedTokens()).singleElement().extracting(IssuedToken::revoked).isEqualTo(true);
    }

    @Test
    void aMintFailureIsTheReadFailure() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), List.of("visible"));
        github.putFile("acme", "hidden", "f.txt", "secret");

        FileResult result = client.readFile(app, id, "acme", "hidden", "f.txt");

        assertThat(result).isInstanceOfSatisfying(FileResult.Failed.class, f -> {
            assertThat(f.error().status()).isEqualTo(422);
            assertThat(f.error().message()).contains("hidden");
        });
        assertThat(github.issuedTokens()).isEmpty();
    }

    @Test
    void oddCharactersInPathsAreEncodedNotInterpreted() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        String identity = "we ird?x=1#frag%2F+ü";
        github.putFile("acme", "repo", ".github/chainguard/" + identity + ".sts.yaml", "ok: true\n");

        FileResult result = client.readFile(app, id, "acme", "repo", ".github/chainguard/" + identity + ".sts.yaml");

        assertThat(result).isInstanceOfSatisfying(FileResult.Found.class, f -> assertThat(f.text()).isEqualTo("ok: true\n"));
        String sent = github.calls().get(1).path();
        // Sub-delimiters such as '=' and '+' may travel unescaped (RFC 3986); the path must decode to the name.
        assertThat(sent).contains("%3F").contains("%23").contains("%252F").doesNotContain(" ");
        assertThat(URI.create("http://github.test" + sent).getPath())
                .isEqualTo("/repos/acme/repo/contents/.github/chainguard/" + identity + ".sts.yaml");
        assertThat(github.calls().get(1).query()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {".github/chainguard/../secret.sts.yaml", ".github//x.sts.yaml", "./x", "a/.", ""})
    void pathsNoGitTreeCanHoldAreMissingWithoutAnyCall(String path) {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);

        assertThat(client.readFile(app, id, "acme", "repo", path)).isEqualTo(new FileResult.Missing());
        assertThat(github.calls()).isEmpty();
    }

    @Test
    void aRevokedTokenCannotBeRevokedAgain() {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        String token = ((MintResult.Minted) client.mintToken(app, id, null, Map.of())).token().token();

        assertThat(client.revoke(token)).isTrue();
        assertThat(client.revoke(token)).isFalse();
        assertThat(github.calls().getLast().status()).isEqualTo(401);
    }

    // ---- GitHub Enterprise Server and base URLs --------------------------------------------------

    @Test
    void worksUnderTheGhesBasePath() {
        try (GitHubSimulator ghes = GitHubSimulator.start("/api/v3", clock);
             GitHubClient ghesClient = new GitHubClient(ghes.baseUrl(), Duration.ofSeconds(10), clock)) {
            SimulatedApp sim = ghes.createApp();
            GitHubApp ghesApp = new GitHubApp(sim.appId(), PemKeys.fromPem(sim.privateKeyPem(), "GHES App"));
            long id = ghes.install(sim.appId(), "corp", Map.of("contents", "read"), null);
            ghes.putFile("corp", "repo", "f.yaml", "a: b\n");

            assertThat(ghes.baseUrl().getPath()).isEqualTo("/api/v3");
            assertThat(ghesClient.findInstallation(ghesApp, "corp")).isEqualTo(new InstallationResult.Found(id));
            assertThat(ghesClient.readFile(ghesApp, id, "corp", "repo", "f.yaml"))
                    .isInstanceOf(FileResult.Found.class);
            assertThat(ghes.calls()).extracting(RecordedCall::path)
                    .containsExactly("/app/installations", "/app/installations/" + id + "/access_tokens",
                            "/repos/corp/repo/contents/f.yaml", "/installation/token");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://api.github.com", "http://10.0.0.1/api/v3", "ftp://127.0.0.1", "https://user@api.github.com",
            "https://api.github.com?x=1", "/relative"})
    void refusesUnsafeBaseUrls(String url) {
        assertThatThrownBy(() -> new GitHubClient(URI.create(url), Duration.ofSeconds(1), clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GitHub API base URL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://api.github.com", "https://ghe.example.com/api/v3", "http://127.0.0.1:8080",
            "http://localhost:1/api/v3", "http://[::1]:9"})
    void acceptsHttpsAndLoopbackHttp(String url) {
        try (GitHubClient ok = new GitHubClient(URI.create(url), Duration.ofSeconds(1), clock)) {
            assertThat(ok.baseUrl()).isEqualTo(URI.create(url));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-27T21:00:00Z", "2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z",
            "2026-11-27T21:00:00.123Z", "2026-11-27T22:00:00+01:00"})
    void tokenExpiryTimesReadAsTheGeneralParserReadsThem(String text) {
        assertThat(GitHubJson.timestamp(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-13-27T21:00:00Z", "2025-02-29T10:00:00Z", "2026-11-27T24:00:00Z", "2026-1-+7T21:00:00Z",
            "2026-11-27 21:00:00Z", "tomorrow"})
    void unreadableTokenExpiryTimesAreRefused(String text) {
        assertThatThrownBy(() -> GitHubJson.timestamp(text)).isInstanceOf(DateTimeException.class);
    }

    @Test
    void anHttpsServerWithAnUntrustedCertificateGetsNoRequest() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        X509Certificate certificate = SelfSignedCertificates.create(pair, "127.0.0.1", null);
        AtomicInteger requests = new AtomicInteger();
        WebServer impostor = WebServer.builder().host("127.0.0.1").port(0)
                .tls(Tls.builder().privateKey(pair.getPrivate())
                        .privateKeyCertChain(List.of(certificate)).build())
                .routing(routing -> routing.any((req, res) -> {
                    requests.incrementAndGet();
                    res.send("[]");
                }))
                .build().start();
        try (GitHubClient https = new GitHubClient(URI.create("https://127.0.0.1:" + impostor.port()), Duration.ofSeconds(5), clock)) {
            assertThat(https.findInstallation(app, "acme")).isInstanceOfSatisfying(InstallationResult.Failed.class,
                    failed -> assertThat(failed.error().message()).contains("failed"));
            assertThat(requests).as("the App JWT must not reach a server GitHub's certificate checks refuse").hasValue(0);
        } finally {
            impostor.stop();
        }
    }
}
