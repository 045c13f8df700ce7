package dev.octosts.dev;

import dev.octosts.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.octosts.dev.GitHubSimulator.AuthKind;
import dev.octosts.dev.GitHubSimulator.Fault;
import dev.octosts.dev.GitHubSimulator.IssuedToken;
import dev.octosts.dev.GitHubSimulator.RecordedCall;
import dev.octosts.dev.GitHubSimulator.SimulatedApp;
import dev.octosts.keys.PemKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GitHubSimulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.atSystemTime();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private GitHubSimulator github;
    private SimulatedApp app;
    private PrivateKey appKey;

    private record Answer(int status, JsonNode json, String text, java.net.http.HttpHeaders headers) {
    }

    @BeforeEach
    void start() throws Exception {
        github = GitHubSimulator.start("", clock);
        app = github.createApp();
        appKey = privateKey(app.privateKeyPem());
    }

    @AfterEach
    void stop() {
        http.close();
        github.close();
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static PrivateKey privateKey(String pem) throws Exception {
        try (PEMParser parser = new PEMParser(new java.io.StringReader(pem))) {
            return new JcaPEMKeyConverter().getKeyPair((PEMKeyPair) parser.readObject()).getPrivate();
        }
    }

    private String jwt(Object iss, Instant iat, Instant exp, PrivateKey key) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().claim("iss", iss);
        if (iat != null) {
            claims.issueTime(Date.from(iat));
        }
        if (exp != null) {
            claims.expirationTime(Date.from(exp));
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private String goodJwt() throws Exception {
        Instant now = clock.instant();
        return jwt(Long.toString(app.appId()), now.minusSeconds(60), now.plusSeconds(540), appKey);
    }

    private Answer call(String method, String path, String credential, String body, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(github.baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (credential != null) {
            request.header("Authorization", "Bearer " + credential);
        }
        if (accept != null) {
            request.header("Accept", accept);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        if (response.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            json = JSON.readTree(response.body());
        }
        return new Answer(response.statusCode(), json, response.body(), response.headers());
    }

    private Answer call(String method, String path, String credential, String body) throws Exception {
        return call(method, path, credential, body, null);
    }

    private Answer mint(long installation, String body) throws Exception {
        return call("POST", "/app/installations/" + installation + "/access_tokens", goodJwt(), body);
    }

    private String token(long installation, String body) throws Exception {
        Answer answer = mint(installation, body);
        assertThat(answer.status()).isEqualTo(201);
        return answer.json().get("token").asText();
    }

    // ---- App JWT ---------------------------------------------------------------------------------

    @Test
    void aGoodJwtWithAStringOrNumericIssuerIsAccepted() throws Exception {
        Instant now = clock.instant();
        assertThat(call("GET", "/app", goodJwt(), null).json().get("id").asLong()).isEqualTo(app.appId());
        String numeric = jwt(app.appId(), now.minusSeconds(60), now.plusSeconds(540), appKey);
        assertThat(call("GET", "/app/installations", numeric, null).status()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"missing", "garbage", "foreign key", "expired", "exp too far", "iat in the future",
            "no exp", "unknown app", "HS256", "iss not a number"})
    void aBadJwtIs401(String kind) throws Exception {
        Instant now = clock.instant();
        String iss = Long.toString(app.appId());
        PrivateKey foreignKey = privateKey(github.createApp().privateKeyPem());
        String credential = switch (kind) {
            case "missing" -> null;
            case "garbage" -> "not.a.jwt";
            case "foreign key" -> jwt(iss, now.minusSeconds(60), now.plusSeconds(540), foreignKey);
            case "expired" -> jwt(iss, now.minusSeconds(700), now.minusSeconds(1), appKey);
            case "exp too far" -> jwt(iss, now.minusSeconds(60), now.plusSeconds(900), appKey);
            case "iat in the future" -> jwt(iss, now.plusSeconds(300), now.plusSeconds(540), appKey);
            case "no exp" -> jwt(iss, now.minusSeconds(60), null, appKey);
            case "unknown app" -> jwt("999999999", now.minusSeconds(60), now.plusSeconds(540), appKey);
            case "HS256" -> {
                SignedJWT hs = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                        .issuer(iss).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300))).build());
                hs.sign(new MACSigner(new byte[32]));
                yield hs.serialize();
            }
            case "iss not a number" -> jwt("Iv1.abc", now.minusSeconds(60), now.plusSeconds(540), appKey);
            default -> throw new IllegalArgumentException(kind);
        };

        Answer answer = call("GET", "/app/installations", credential, null);

        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.json().get("message").asText()).isNotBlank();
        assertThat(github.calls().getLast().status()).isEqualTo(401);
    }

    @Test
    void theJwtWindowFollowsTheSimulatorClock() throws Exception {
        String jwt = goodJwt();
        clock.advance(Duration.ofMinutes(9));

        assertThat(call("GET", "/app", jwt, null).status()).isEqualTo(401);
    }

    @Test
    void aJwtAcceptedBeforeIsRefusedOnceItExpires() throws Exception {
        String jwt = goodJwt();
        assertThat(call("GET", "/app", jwt, null).status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(9));

        assertThat(call("GET", "/app", jwt, null).status()).isEqualTo(401);
    }

    // ---- installations ---------------------------------------------------------------------------

    @Test
    void paginatesInstallationsWithLinkHeaders() throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(github.install(app.appId(), "org" + i, Map.of("contents", "read"), null));
        }
        github.install(github.createApp().appId(), "someone-else", Map.of(), null);

        Answer first = call("GET", "/app/installations?per_page=2", goodJwt(), null);
        Answer last = call("GET", "/app/installations?per_page=2&page=3", goodJwt(), null);

        assertThat(first.json().size()).isEqualTo(2);
        assertThat(first.json().get(0).get("id").asLong()).isEqualTo(ids.get(0));
        assertThat(first.json().get(0).get("account").get("login").asText()).isEqualTo("org0");
        String base = github.baseUrl() + "/app/installations?per_page=2&page=";
        assertThat(first.headers().firstValue("Link")).contains(
                "<" + base + "2>; rel=\"next\", <" + base + "3>; rel=\"last\"");
        assertThat(last.json().size()).isEqualTo(1);
        assertThat(last.json().get(0).get("id").asLong()).isEqualTo(ids.get(4));
        assertThat(last.headers().firstValue("Link")).contains(
                "<" + base + "2>; rel=\"prev\", <" + base + "1>; rel=\"first\"");
    }

    @Test
    void findsInstallationsByRepoOrgAndUser() throws Exception {
        long all = github.install(app.appId(), "Acme", Map.of("contents", "read"), null);
        long some = github.install(app.appId(), "solo", Map.of("contents", "read"), List.of("picked"));
        github.createRepository("acme", "repo");
        github.createRepository("solo", "unpicked");

        assertThat(call("GET", "/repos/acme/repo/installation", goodJwt(), null).json().get("id").asLong()).isEqualTo(all);
        assertThat(call("GET", "/orgs/ACME/installation", goodJwt(), null).json().get("id").asLong()).isEqualTo(all);
        assertThat(call("GET", "/users/solo/installation", goodJwt(), null).json().get("repository_selection").asText())
                .isEqualTo("selected");
        assertThat(call("GET", "/repos/solo/picked/installation", goodJwt(), null).json().get("id").asLong()).isEqualTo(some);
        assertThat(call("GET", "/repos/solo/unpicked/installation", goodJwt(), null).status()).isEqualTo(404);
        assertThat(call("GET", "/repos/acme/nope/installation", goodJwt(), null).status()).isEqualTo(404);
        assertThat(call("GET", "/orgs/nobody/installation", goodJwt(), null).status()).isEqualTo(404);
    }

    // ---- tokens ----------------------------------------------------------------------------------

    @Test
    void mintsATokenOfTheRightShape() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "write", "metadata", "read"), null);
        github.createRepository("acme", "repo");

        Answer answer = mint(id, "{\"repositories\":[\"repo\"],\"permissions\":{\"contents\":\"read\"}}");

        assertThat(answer.status()).isEqualTo(201);
        assertThat(answer.json().get("token").asText()).matches("ghs_[A-Za-z0-9]{36}");
        Instant expiresAt = Instant.parse(answer.json().get("expires_at").asText());
        assertThat(answer.json().get("expires_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        // One hour after the (stopped) clock's second, as GitHub's tokens last.
        assertThat(expiresAt).isEqualTo(clock.instant().truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofHours(1)));
        assertThat(answer.json().get("permissions")).isEqualTo(JSON.readTree("{\"contents\":\"read\"}"));
        assertThat(answer.json().get("repository_selection").asText()).isEqualTo("selected");
        assertThat(answer.json().get("repositories").get(0).get("full_name").asText()).isEqualTo("acme/repo");
        RecordedCall recorded = github.calls().getLast();
        assertThat(recorded.body()).isEqualTo("{\"repositories\":[\"repo\"],\"permissions\":{\"contents\":\"read\"}}");
        assertThat(recorded.authKind()).isEqualTo(AuthKind.APP_JWT);
    }

    @Test
    void anEmptyRequestGetsTheWholeGrant() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "write", "issues", "read"), null);

        Answer answer = mint(id, null);

        assertThat(answer.json().get("permissions")).isEqualTo(JSON.readTree("{\"contents\":\"write\",\"issues\":\"read\"}"));
        assertThat(answer.json().get("repository_selection").asText()).isEqualTo("all");
        assertThat(answer.json().has("repositories")).isFalse();
        assertThat(github.issuedTokens()).singleElement().extracting(IssuedToken::repositories).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"permissions\":{\"contents\":\"write\"}}|contents",
            "{\"permissions\":{\"contents\":\"admin\"}}|contents",
            "{\"permissions\":{\"issues\":\"read\"}}|issues",
            "{\"permissions\":{\"contents\":\"owner\"}}|owner",
            "{\"repositories\":[\"ghost\"]}|ghost",
            "{\"repositories\":[\"hidden\"]}|hidden",
            "{\"repository_ids\":[1]}|id 1"})
    void anEscalationOrAnInaccessibleRepositoryIs422NamingIt(String row) throws Exception {
        String[] parts = row.split("\\|");
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), List.of("visible"));
        github.createRepository("acme", "hidden");

        Answer answer = mint(id, parts[0]);

        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.json().get("message").asText()).contains(parts[1]);
        assertThat(github.issuedTokens()).isEmpty();
    }

    @Test
    void unknownOrForeignInstallationsAre404() throws Exception {
        SimulatedApp other = github.createApp();
        long foreign = github.install(other.appId(), "acme", Map.of("contents", "read"), null);

        assertThat(mint(foreign, "{}").status()).isEqualTo(404);
        assertThat(mint(123456789, "{}").status()).isEqualTo(404);
        assertThat(mint(foreign, "not json").status()).isEqualTo(404);
    }

    @Test
    void malformedJsonIs400() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);

        assertThat(mint(id, "{not json").status()).isEqualTo(400);
    }

    @Test
    void aRevokedOrExpiredTokenIs401() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.putFile("acme", "repo", "f.txt", "hello");
        String revoked = token(id, "{}");
        String expiring = token(id, "{}");

        assertThat(call("GET", "/repos/acme/repo/contents/f.txt", revoked, null).status()).isEqualTo(200);
        assertThat(call("DELETE", "/installation/token", revoked, null).status()).isEqualTo(204);
        assertThat(call("GET", "/repos/acme/repo/contents/f.txt", revoked, null).status()).isEqualTo(401);
        assertThat(call("DELETE", "/installation/token", revoked, null).status()).isEqualTo(401);
        assertThat(github.issuedTokens()).filteredOn(IssuedToken::revoked).extracting(IssuedToken::token).containsExactly(revoked);

        clock.advance(Duration.ofMinutes(61));
        assertThat(call("GET", "/repos/acme/repo/contents/f.txt", expiring, null).status()).isEqualTo(401);
        assertThat(call("GET", "/repos/acme/repo/contents/f.txt", "ghs_unknown", null).status()).isEqualTo(401);
    }

    @Test
    void mintsConcurrentlyWithoutLosingTokens() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        String jwt = goodJwt();
        Set<String> tokens = ConcurrentHashMap.newKeySet();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                statuses.add(pool.submit(() -> {
                    Answer answer = call("POST", "/app/installations/" + id + "/access_tokens", jwt, "{}");
                    tokens.add(answer.json().get("token").asText());
                    return answer.status();
                }));
            }
            for (Future<Integer> status : statuses) {
                assertThat(status.get()).isEqualTo(201);
            }
        }
        assertThat(tokens).hasSize(200);
        assertThat(github.issuedTokens()).hasSize(200);
        assertThat(github.calls()).hasSize(200);
        assertThat(github.callCount()).isEqualTo(200);
    }

    @Test
    void beyondItsBoundTheSimulatorForgetsTheOldestTokensEvenBeforeTheyExpire() throws Exception {
        try (GitHubSimulator bounded = GitHubSimulator.start("", clock, 3)) {
            SimulatedApp boundedApp = bounded.createApp();
            long id = bounded.install(boundedApp.appId(), "acme", Map.of("contents", "read"), null);
            bounded.putFile("acme", "repo", "f.txt", "hello");
            PrivateKey key = privateKey(boundedApp.privateKeyPem());
            Instant now = clock.instant();
            String jwt = jwt(Long.toString(boundedApp.appId()), now.minusSeconds(60), now.plusSeconds(540), key);
            List<String> issued = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> minted = http.send(HttpRequest.newBuilder(
                                URI.create(bounded.baseUrl() + "/app/installations/" + id + "/access_tokens"))
                        .header("Authorization", "Bearer " + jwt).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(minted.statusCode()).isEqualTo(201);
                issued.add(JSON.readTree(minted.body()).get("token").asText());
            }

            assertThat(bounded.issuedTokens()).extracting(IssuedToken::token)
                    .containsExactlyInAnyOrderElementsOf(issued.subList(2, 5));
            for (int i = 0; i < 5; i++) {
                HttpResponse<Void> read = http.send(HttpRequest.newBuilder(URI.create(bounded.baseUrl() + "/repos/acme/repo/contents/f.txt"))
                        .header("Authorization", "Bearer " + issued.get(i)).build(), HttpResponse.BodyHandlers.discarding());
                assertThat(read.statusCode()).as("token %d", i).isEqualTo(i < 2 ? 401 : 200);
            }
        }
    }

    // ---- contents --------------------------------------------------------------------------------

    @Test
    void servesFilesAsBase64InSixtyCharacterLines() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        String content = "line of yaml: value\n".repeat(10);
        github.putFile("acme", "repo", "dir/file.yaml", content);

        Answer answer = call("GET", "/repos/acme/repo/contents/dir/file.yaml", token(id, "{}"), null);

        assertThat(answer.status()).isEqualTo(200);
        JsonNode file = answer.json();
        assertThat(file.get("type").asText()).isEqualTo("file");
        assertThat(file.get("encoding").asText()).isEqualTo("base64");
        assertThat(file.get("path").asText()).isEqualTo("dir/file.yaml");
        assertThat(file.get("name").asText()).isEqualTo("file.yaml");
        assertThat(file.get("size").asInt()).isEqualTo(content.length());
        // git hash-object of the content
        assertThat(file.get("sha").asText()).isEqualTo(GitHubSimulator.blobSha(content));
        String encoded = file.get("content").asText();
        assertThat(encoded.lines()).allMatch(l -> l.length() <= 60).first().asString().hasSize(60);
        assertThat(encoded).endsWith("\n");
        assertThat(new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.UTF_8)).isEqualTo(content);
        assertThat(github.calls().getLast().authKind()).isEqualTo(AuthKind.INSTALLATION_TOKEN);
    }

    @Test
    void blobShaIsGitsObjectId() {
        // `printf 'hello\n' | git hash-object --stdin`
        assertThat(GitHubSimulator.blobSha("hello\n")).isEqualTo("ce013625030ba8dba906f756967f9e9ca394464a");
        assertThat(GitHubSimulator.blobSha("")).isEqualTo("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    }

    @Test
    void directoriesAreArraysAndRawIsRaw() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.putFile("acme", "repo", "dir/a.txt", "A");
        github.putFile("acme", "repo", "dir/sub/b.txt", "B");
        String token = token(id, "{}");

        Answer dir = call("GET", "/repos/acme/repo/contents/dir", token, null);
        Answer raw = call("GET", "/repos/acme/repo/contents/dir/a.txt", token, null, "application/vnd.github.raw+json");

        assertThat(dir.json().isArray()).isTrue();
        assertThat(dir.json().findValuesAsText("path")).containsExactly("dir/a.txt", "dir/sub");
        assertThat(dir.json().findValuesAsText("type")).containsExactly("file", "dir");
        assertThat(raw.text()).isEqualTo("A");
        assertThat(call("GET", "/repos/acme/repo/contents/dir/none", token, null).status()).isEqualTo(404);
    }

    @Test
    void aTokenSeesOnlyItsRepositoriesWithContentsPermission() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read", "issues", "write"), null);
        github.putFile("acme", "one", "f", "1");
        github.putFile("acme", "two", "f", "2");
        github.putFile("other", "one", "f", "x");
        String onlyOne = token(id, "{\"repositories\":[\"one\"]}");
        String noContents = token(id, "{\"permissions\":{\"issues\":\"write\"}}");

        assertThat(call("GET", "/repos/acme/one/contents/f", onlyOne, null).status()).isEqualTo(200);
        assertThat(call("GET", "/repos/ACME/One/contents/f", onlyOne, null).status()).isEqualTo(200);
        assertThat(call("GET", "/repos/acme/two/contents/f", onlyOne, null).status()).isEqualTo(404);
        assertThat(call("GET", "/repos/other/one/contents/f", onlyOne, null).status()).isEqualTo(404);
        assertThat(call("GET", "/repos/acme/one/contents/f", noContents, null).status()).isEqualTo(404);
        assertThat(call("GET", "/repos/acme/one/contents/f", null, null).status()).isEqualTo(401);
    }

    @Test
    void selectedInstallationsLimitTokens() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), List.of("picked"));
        github.putFile("acme", "picked", "f", "1");
        github.putFile("acme", "other", "f", "2");
        String token = token(id, "{}");

        assertThat(call("GET", "/repos/acme/picked/contents/f", token, null).status()).isEqualTo(200);
        assertThat(call("GET", "/repos/acme/other/contents/f", token, null).status()).isEqualTo(404);
        assertThat(github.issuedTokens()).singleElement().extracting(IssuedToken::repositories).isEqualTo(List.of("picked"));
    }

    @Test
    void largeFilesComeWithoutContent() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.putFile("acme", "repo", "big.bin", "x".repeat(GitHubSimState.CONTENT_INLINE_LIMIT + 1));

        JsonNode file = call("GET", "/repos/acme/repo/contents/big.bin", token(id, "{}"), null).json();

        assertThat(file.get("encoding").asText()).isEqualTo("none");
        assertThat(file.get("content").asText()).isEmpty();
    }

    // ---- everything else -------------------------------------------------------------------------

    @Test
    void unknownRoutesAre404NotFoundWithRateLimitHeaders() throws Exception {
        Answer answer = call("GET", "/no/such/route", null, null);

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.json().get("message").asText()).isEqualTo("Not Found");
        for (String header : List.of("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Used",
                "X-RateLimit-Reset", "X-RateLimit-Resource")) {
            assertThat(answer.headers().firstValue(header)).as(header).isPresent();
        }
        assertThat(answer.headers().firstValue("X-RateLimit-Resource")).hasValue("core");
        assertThat(Long.parseLong(answer.headers().firstValue("X-RateLimit-Limit").orElseThrow()))
                .isEqualTo(Long.parseLong(answer.headers().firstValue("X-RateLimit-Remaining").orElseThrow())
                        + Long.parseLong(answer.headers().firstValue("X-RateLimit-Used").orElseThrow()));
    }

    @Test
    void routesMatchWithATrailingSlashAndDecodedNamesButOnlyForTheirMethod() throws Exception {
        long id = github.install(app.appId(), "acme", Map.of("contents", "read"), null);
        github.putFile("acme", "repo", "dir/a b+c.txt", "A");
        String token = token(id, "{}");

        Answer app = call("GET", "/app/", goodJwt(), null);
        Answer dir = call("GET", "/repos/acme/repo/contents/dir/", token, null);
        Answer root = call("GET", "/repos/acme/repo/contents/", token, null);
        Answer file = call("GET", "/repos/acme/repo/contents/dir/a%20b+c.txt", token, null, "application/vnd.github.raw");
        Answer wrongMethod = call("POST", "/app", goodJwt(), "{}");
        Answer badId = call("GET", "/app/installations/0", goodJwt(), null);

        assertThat(app.status()).isEqualTo(200);
        assertThat(app.json().get("id").asLong()).isEqualTo(this.app.appId());
        assertThat(dir.json().findValuesAsText("path")).containsExactly("dir/a b+c.txt");
        assertThat(root.json().findValuesAsText("path")).containsExactly("dir");
        assertThat(file.text()).isEqualTo("A");
        assertThat(wrongMethod.status()).isEqualTo(404);
        assertThat(wrongMethod.headers().firstValue("X-RateLimit-Used")).contains("1");
        // An id that cannot exist is 404 before the JWT is looked at, so it counts for no App.
        assertThat(badId.status()).isEqualTo(404);
        assertThat(badId.headers().firstValue("X-RateLimit-Used")).contains("2");
        assertThat(github.calls()).extracting(RecordedCall::path).containsExactly("/app/installations/" + id
                + "/access_tokens", "/app/", "/repos/acme/repo/contents/dir/", "/repos/acme/repo/contents/",
                "/repos/acme/repo/contents/dir/a%20b+c.txt", "/app", "/app/installations/0");
    }

    @Test
    void rateLimitHeadersCountPerCaller() throws Exception {
        Answer first = call("GET", "/app", goodJwt(), null);
        Answer second = call("GET", "/app", goodJwt(), null);

        assertThat(first.headers().firstValue("X-RateLimit-Used")).contains("1");
        assertThat(second.headers().firstValue("X-RateLimit-Used")).contains("2");
        assertThat(second.headers().firstValue("X-RateLimit-Remaining"))
                .contains(Integer.toString(GitHubSimulator.RATE_LIMIT - 2));
    }

    @Test
    void faultsAnswerInsteadAsManyTimesAsAsked() throws Exception {
        github.addFault(Fault.rateLimited429("^/app$").limitedTo(1));
        github.addFault(new Fault("DELETE", "/installation", 503, Map.of("Retry-After", "5"), null, -1));

        Answer limited = call("GET", "/app", goodJwt(), null);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.headers().firstValue("X-RateLimit-Remaining")).contains("0");
        assertThat(limited.json().get("message").asText()).isEqualTo("API rate limit exceeded");
        assertThat(call("GET", "/app", goodJwt(), null).status()).isEqualTo(200);
        assertThat(call("DELETE", "/installation/token", "ghs_x", null).status()).isEqualTo(503);
        assertThat(call("DELETE", "/installation/token", "ghs_x", null).headers().firstValue("Retry-After")).contains("5");

        github.clearFaults();
        assertThat(call("DELETE", "/installation/token", "ghs_x", null).status()).isEqualTo(401);
    }

    @Test
    void theBasePathIsPartOfTheUrlButNotOfRecordedPaths() throws Exception {
        try (GitHubSimulator ghes = GitHubSimulator.start("/api/v3")) {
            HttpResponse<String> outside = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ghes.baseUrl().getPort() + "/app")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> inside = http.send(HttpRequest.newBuilder(
                    URI.create(ghes.baseUrl() + "/app")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(ghes.baseUrl().toString()).endsWith("/api/v3");
            assertThat(outside.statusCode()).isEqualTo(404);
            assertThat(inside.statusCode()).isEqualTo(401);
            assertThat(ghes.calls()).extracting(RecordedCall::path).containsExactly("/app", "/app");
        }
    }

    @Test
    void simulatedAppKeysArePkcs1AndLoadable() {
        assertThat(app.privateKeyPem()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(PemKeys.fromPem(app.privateKeyPem(), "sim").publicKey()).isEqualTo(app.publicKey());
        assertThat(app.toString()).doesNotContain("PRIVATE");
    }
}
