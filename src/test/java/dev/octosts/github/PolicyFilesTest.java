package dev.octosts.github;

import dev.octosts.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.Fault;
import dev.octosts.dev.GitHubSimulator.RecordedCall;
import dev.octosts.dev.GitHubSimulator.SimulatedApp;
import dev.octosts.keys.PemKeys;
import dev.octosts.policy.PolicyFileCheck;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyFilesTest {
    private static final String YAML = "issuer: https://token.actions.githubusercontent.com\nsubject: x\n";

    private final MutableClock clock = MutableClock.atSystemTime();
    private GitHubSimulator github;
    private GitHubClient client;
    private PolicyFiles files;
    private final List<GitHubApp> apps = new ArrayList<>();
    private final List<Long> installations = new ArrayList<>();

    @BeforeEach
    void start() {
        github = GitHubSimulator.start("", clock);
        client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(10), clock);
        files = new PolicyFiles(client, clock, PolicyFileCheck.MAX_FILE_BYTES);
        github.putFile("acme", "repo", PolicyFiles.policyPath("deploy"), YAML);
        github.putFile("acme", "repo", PolicyFiles.policyPath("other"), YAML);
    }

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    private AppPool pool(int size) {
        for (int i = 0; i < size; i++) {
            SimulatedApp app = github.createApp();
            apps.add(new GitHubApp(app.appId(), PemKeys.fromPem(app.privateKeyPem(), "App " + i)));
            installations.add(github.install(app.appId(), "acme", Map.of("contents", "read"), null));
        }
        return new AppPool("acme", apps);
    }

    private List<String> mints() {
        return github.calls().stream().filter(c -> c.method().equals("POST"))
                .map(c -> c.path() + " " + c.status()).toList();
    }

    private long contentReads() {
        return github.calls().stream().filter(c -> c.path().contains("/contents/")).count();
    }

    private static String tokensPath(long installation) {
        return "/app/installations/" + installation + "/access_tokens";
    }

    @Test
    void aFileOverThePolicyLimitIsRememberedAsTooLargeWithoutItsText() throws Exception {
        AppPool pool = pool(1);
        // 700 KiB: under GitHub's 1 MiB response once base64-encoded, far over the 64 KiB a policy may have.
        String huge = YAML + "#" + "x".repeat(700 * 1024) + "\n";
        github.putFile("acme", "repo", PolicyFiles.policyPath("huge"), huge);

        PolicyRead first = files.read(pool, "acme", "repo", "huge");
        github.clearCalls();
        PolicyRead again = files.read(pool, "acme", "repo", "huge");

        byte[] utf8 = huge.getBytes(StandardCharsets.UTF_8);
        assertThat(first).isEqualTo(new PolicyRead.TooLarge(PolicyFiles.policyPath("huge"), GitHubSimulator.blobSha(huge),
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8)), false));
        assertThat(again).isEqualTo(first);
        assertThat(contentReads()).isZero();
        // The primary and stale caches hold a few hundred bytes for it, not 2 x 1.4 MB of text.
        assertThat(files.estimatedWeight()).isLessThan(2 * 1024);
    }

    @Test
    void theLimitIsMeasuredInUtf8BytesAsTheParserMeasuresIt() {
        AppPool pool = pool(1);
        String atLimit = YAML + "#" + "é".repeat((PolicyFileCheck.MAX_FILE_BYTES - YAML.length() - 2) / 2) + "\n";
        assertThat(atLimit.getBytes(StandardCharsets.UTF_8)).hasSizeBetween(PolicyFileCheck.MAX_FILE_BYTES - 1,
                PolicyFileCheck.MAX_FILE_BYTES);
        String overLimit = atLimit + "é";
        github.putFile("acme", "repo", PolicyFiles.policyPath("at"), atLimit);
        github.putFile("acme", "repo", PolicyFiles.policyPath("over"), overLimit);

        assertThat(files.read(pool, "acme", "repo", "at")).isInstanceOf(PolicyRead.Found.class);
        assertThat(files.read(pool, "acme", "repo", "over")).isInstanceOf(PolicyRead.TooLarge.class);
    }

    @Test
    void aTooLargeFileIsServedFromTheStaleCacheWhenGitHubRateLimits() {
        AppPool pool = pool(1);
        String huge = YAML + "#" + "x".repeat(100 * 1024) + "\n";
        github.putFile("acme", "repo", PolicyFiles.policyPath("huge"), huge);
        PolicyRead.TooLarge first = (PolicyRead.TooLarge) files.read(pool, "acme", "repo", "huge");

        clock.advance(Duration.ofMinutes(6));
        github.addFault(Fault.rateLimited403("/contents/"));

        assertThat(files.read(pool, "acme", "repo", "huge"))
                .isEqualTo(new PolicyRead.TooLarge(".github/chainguard/huge.sts.yaml", first.blobSha(), first.sha256(), true));
    }

    @Test
    void readsThenServesFromThePrimaryCacheForFiveMinutes() {
        AppPool pool = pool(1);

        assertThat(files.read(pool, "acme", "repo", "deploy"))
                .isEqualTo(new PolicyRead.Found(".github/chainguard/deploy.sts.yaml", YAML, GitHubSimulator.blobSha(YAML), false));
        github.clearCalls();
        clock.advance(Duration.ofMinutes(4));
        assertThat(files.read(pool, "acme", "repo", "deploy")).isInstanceOf(PolicyRead.Found.class);
        assertThat(github.calls()).isEmpty();

        clock.advance(Duration.ofMinutes(2));
        assertThat(files.read(pool, "acme", "repo", "deploy")).isInstanceOf(PolicyRead.Found.class);
        assertThat(contentReads()).isEqualTo(1);
    }

    @Test
    void aMissingFileIsReadOnceAndRememberedForFiveMinutes() {
        AppPool pool = pool(1);

        assertThat(files.knownMissing("acme", "repo", "nope")).isFalse();
        assertThat(files.read(pool, "acme", "repo", "nope")).isEqualTo(new PolicyRead.Missing());
        assertThat(files.knownMissing("acme", "repo", "nope")).isTrue();
        assertThat(files.read(pool, "acme", "repo", "nope")).isEqualTo(new PolicyRead.Missing());
        assertThat(contentReads()).isEqualTo(1);
        assertThat(files.knownMissing("acme", "repo", "deploy")).isFalse();

        clock.advance(Duration.ofMinutes(5));
        assertThat(files.knownMissing("acme", "repo", "nope")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"primary 403", "primary 429", "bare 403"})
    void aRateLimitedReadServesTheStaleCopyAndReseedsThePrimary(String kind) {
        AppPool pool = pool(1);
        files.read(pool, "acme", "repo", "deploy");
        clock.advance(Duration.ofMinutes(6));
        github.addFault(switch (kind) {
            case "primary 403" -> Fault.rateLimited403("/contents/");
            case "primary 429" -> Fault.rateLimited429("/contents/");
            default -> new Fault("GET", "/contents/", 403, Map.of(), "{\"message\":\"Forbidden\"}", -1);
        });
        github.clearCalls();

        assertThat(files.read(pool, "acme", "repo", "deploy"))
                .isEqualTo(new PolicyRead.Found(".github/chainguard/deploy.sts.yaml", YAML, GitHubSimulator.blobSha(YAML), true));
        assertThat(contentReads()).isEqualTo(1);
        github.clearCalls();
        assertThat(files.read(pool, "acme", "repo", "deploy"))
                .isEqualTo(new PolicyRead.Found(".github/chainguard/deploy.sts.yaml", YAML, GitHubSimulator.blobSha(YAML), false));
        assertThat(github.calls()).isEmpty();
    }

    @Test
    void withoutAStaleCopyARateLimitIsRetriedOnTheNextAppRoundRobin() {
        AppPool pool = pool(2);
        github.addFault(Fault.rateLimited403(tokensPath(installations.get(0)) + "$"));

        assertThat(files.read(pool, "acme", "repo", "deploy")).isInstanceOf(PolicyRead.Found.class);
        assertThat(mints()).containsExactly(
                tokensPath(installations.get(0)) + " 403",
                tokensPath(installations.get(1)) + " 201");

        github.clearCalls();
        // The next read starts at the second App.
        assertThat(files.read(pool, "acme", "repo", "other")).isInstanceOf(PolicyRead.Found.class);
        assertThat(mints()).containsExactly(tokensPath(installations.get(1)) + " 201");
    }

    @Test
    void whenEveryTryIsRateLimitedTheReadIsRateLimitedAfterAtMostThreeRetries() {
        AppPool pool = pool(5);
        github.addFault(Fault.rateLimited429("/access_tokens$"));

        assertThat(files.read(pool, "acme", "repo", "deploy")).isEqualTo(new PolicyRead.RateLimited());
        assertThat(mints()).hasSize(4).allMatch(m -> m.endsWith(" 429"));
        assertThat(files.knownMissing("acme", "repo", "deploy")).isFalse();
    }

    @Test
    void aSingleAppPoolIsNotRetried() {
        AppPool pool = pool(1);
        github.addFault(Fault.rateLimited403("/access_tokens$"));

        assertThat(files.read(pool, "acme", "repo", "deploy")).isEqualTo(new PolicyRead.RateLimited());
        assertThat(mints()).hasSize(1);
    }

    @Test
    void anotherFailureIsNotRetried() {
        AppPool pool = pool(3);
        github.addFault(new Fault("GET", "/contents/", 502, Map.of(), "{\"message\":\"Bad Gateway\"}", -1));

        assertThat(files.read(pool, "acme", "repo", "deploy")).isInstanceOfSatisfying(PolicyRead.Failed.class,
                f -> assertThat(f.error().status()).isEqualTo(502));
        assertThat(mints()).hasSize(1);
    }

    @Test
    void appsNotInstalledOnTheOwnerAreSkipped() {
        SimulatedApp stranger = github.createApp();
        GitHubApp notHere = new GitHubApp(stranger.appId(), PemKeys.fromPem(stranger.privateKeyPem(), "stranger"));
        AppPool onlyStranger = new AppPool("x", List.of(notHere));

        assertThat(files.read(onlyStranger, "acme", "repo", "deploy")).isEqualTo(new PolicyRead.NotInstalled());

        pool(1);
        AppPool mixed = new AppPool("x", List.of(notHere, apps.getFirst()));
        assertThat(files.read(mixed, "acme", "repo", "deploy")).isInstanceOf(PolicyRead.Found.class);
        assertThat(github.calls()).extracting(RecordedCall::path).filteredOn(p -> p.contains("/contents/")).hasSize(1);
    }
}
