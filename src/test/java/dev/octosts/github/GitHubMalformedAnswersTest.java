package dev.octosts.github;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.Fault;
import dev.octosts.keys.PemKeys;
import dev.octosts.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GitHub (or whatever answers in its place) sends a success status with a body that is not what the endpoint
 * returns: each call fails with an error that says what was wrong, never with an exception or a guess.
 */
class GitHubMalformedAnswersTest {
    private final MutableClock clock = MutableClock.atSystemTime();
    private GitHubSimulator github;
    private GitHubClient client;
    private GitHubApp app;
    private long installation;

    @BeforeEach
    void start() {
        github = GitHubSimulator.start("", clock);
        GitHubSimulator.SimulatedApp simulated = github.createApp();
        app = new GitHubApp(simulated.appId(), PemKeys.fromPem(simulated.privateKeyPem(), "simulated App"));
        github.createRepository("acme", "repo");
        installation = github.install(app.appId(), "acme", Map.of("contents", "read", "checks", "write",
                "pull_requests", "read"), null);
        client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(10), clock);
    }

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    /** A call, the answer GitHub gives it instead of the real one, and the error the caller gets. */
    record Row(String name, String method, String path, int status, String body,
               Function<GitHubMalformedAnswersTest, GitHubError> call, String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    private GitHubError findInstallation() {
        return ((InstallationResult.Failed) client.findInstallation(app, "acme")).error();
    }

    private GitHubError mint() {
        return ((MintResult.Failed) client.mintToken(app, installation, List.of("repo"), Map.of("contents", "read"))).error();
    }

    private GitHubError readFile() {
        return ((FileResult.Failed) client.readFile(app, installation, "acme", "repo", ".github/chainguard/ci.sts.yaml")).error();
    }

    private InstallationAccess access() {
        return new InstallationAccess(app, installation,
                ((MintResult.Minted) client.mintToken(app, installation, List.of("repo"), Map.of("contents", "read"))).token());
    }

    private GitHubError pullRequestFiles() {
        return ((ChangedFilesResult.Failed) client.pullRequestFiles(access(), "acme", "repo", 7)).error();
    }

    private GitHubError compare() {
        return ((ChangedFilesResult.Failed) client.compare(access(), "acme", "repo", "a".repeat(40), "b".repeat(40))).error();
    }

    private GitHubError contentsAt() {
        return ((ContentsResult.Failed) client.contentsAt(access(), "acme", "repo", ".github/chainguard", "main")).error();
    }

    static Stream<Row> rows() {
        String contents = "^/repos/acme/repo/contents/.*";
        return Stream.of(
                new Row("installation list: empty body", "GET", "^/app/installations$", 200, "",
                        GitHubMalformedAnswersTest::findInstallation, "the installation list is not a JSON array"),
                new Row("installation list: an object", "GET", "^/app/installations$", 200, "{}",
                        GitHubMalformedAnswersTest::findInstallation, "the installation list is not a JSON array"),
                new Row("installation list: not JSON", "GET", "^/app/installations$", 200, "<html>",
                        GitHubMalformedAnswersTest::findInstallation, "response body is not JSON"),
                new Row("token: no token", "POST", "/access_tokens$", 201, "{}",
                        GitHubMalformedAnswersTest::mint, "token response without token or expires_at"),
                new Row("token: expiry that is no time", "POST", "/access_tokens$", 201,
                        "{\"token\":\"ghs_x\",\"expires_at\":\"tomorrow\"}", GitHubMalformedAnswersTest::mint,
                        "token response with an unreadable expires_at"),
                new Row("file: a directory", "GET", contents, 200, "[]", GitHubMalformedAnswersTest::readFile,
                        "the path is a directory, not a file"),
                new Row("file: a submodule", "GET", contents, 200, "{\"type\":\"submodule\",\"sha\":\"" + "a".repeat(40) + "\"}",
                        GitHubMalformedAnswersTest::readFile, "the path is a submodule, not a file"),
                new Row("file: content not returned", "GET", contents, 200,
                        "{\"type\":\"file\",\"encoding\":\"none\",\"sha\":\"" + "a".repeat(40) + "\"}",
                        GitHubMalformedAnswersTest::readFile, "file content not returned (encoding \"none\"); too large?"),
                new Row("file: content that is not base64", "GET", contents, 200,
                        "{\"type\":\"file\",\"encoding\":\"base64\",\"content\":\"a\",\"sha\":\"" + "a".repeat(40) + "\"}",
                        GitHubMalformedAnswersTest::readFile, "file content is not valid base64"),
                new Row("pull request files: an object", "GET", "^/repos/acme/repo/pulls/7/files$", 200, "{}",
                        GitHubMalformedAnswersTest::pullRequestFiles, "the pull request files are not a JSON array"),
                new Row("comparison: an array", "GET", "^/repos/acme/repo/compare/.*", 200, "[]",
                        GitHubMalformedAnswersTest::compare, "the comparison is not a JSON object"),
                new Row("contents: not JSON", "GET", contents, 200, "nope",
                        GitHubMalformedAnswersTest::contentsAt, "response body is not JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aMalformedAnswerIsAnErrorSayingWhatWasWrong(Row row) {
        github.addFault(new Fault(row.method(), row.path(), row.status(), Map.of(), row.body(), -1));

        GitHubError error = row.call().apply(this);

        assertThat(error.status()).isEqualTo(row.status());
        assertThat(error.rateLimited()).isFalse();
        assertThat(error.message()).isEqualTo(row.error());
    }
}
