package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit console over HTTP, as a browser would use it (cookies by hand): sign-in through the local
 * issuer with PKCE, pages only for audit readers, every view recorded, escaped output, CSRF on sign-out.
 */
class ConsoleTest {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    private static final Pattern RECORD_LINK = Pattern.compile("href=\"(/console/record\\?chain=[^\"]+)\"");
    private static ConsoleFixture fixture;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        fixture = new ConsoleFixture();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void withoutASessionEveryPageSendsToSignIn() {
        for (String path : List.of("", "search?subject=x", "record?chain=x&seq=1", "export?format=csv")) {
            HttpResponse<String> response = get(path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(303);
            assertThat(response.headers().firstValue("Location")).hasValue("/console/signin");
        }
        HttpResponse<String> signIn = get("signin", null);
        assertThat(signIn.statusCode()).isEqualTo(200);
        assertThat(signIn.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'none'");
    }

    @Test
    void aReaderFindsWhoGotATokenAndEachViewIsRecorded() throws Exception {
        String session = signIn(ConsoleFixture.READER);
        HttpResponse<String> found = get("search?token_sha256=" + fixture.issuedTokenSha256(), session);
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(found.body()).contains("1 record").contains("repo:org/repo:ref:refs/heads/main")
                .contains(fixture.issuedTokenSha256());
        assertThat(found.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("default-src 'none'").doesNotContain("unsafe").doesNotContain("script-src");

        Matcher link = RECORD_LINK.matcher(found.body());
        assertThat(link.find()).isTrue();
        String recordPath = link.group(1).replace("&amp;", "&").substring("/console/".length());
        Instant deadline = Instant.now().plusSeconds(30);
        HttpResponse<String> record = get(recordPath, session);
        while (!record.body().contains("state-verified") && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
            record = get(recordPath, session);
        }
        assertThat(record.statusCode()).isEqualTo(200);
        assertThat(record.body()).contains("state-verified").contains(".github/chainguard/ci.sts.yaml")
                .contains("contents").contains(fixture.issuedTokenSha256());

        HttpResponse<String> csv = get("export?format=csv&token_sha256=" + fixture.issuedTokenSha256(), session);
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        List<String> lines = csv.body().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("time,chain_id,seq,decision");
        assertThat(lines.get(1)).contains("allow").contains(fixture.issuedTokenSha256());

        HttpResponse<String> jsonLines = get("export?format=jsonl&token_sha256=" + fixture.issuedTokenSha256(), session);
        assertThat(Harness.json(jsonLines.body().strip()).path("issued").path("token_sha256").asText())
                .isEqualTo(fixture.issuedTokenSha256());

        List<JsonNode> reads = fixture.harness.records().stream()
                .filter(r -> r.path("scope").asText().startsWith("console/"))
                .filter(r -> ConsoleFixture.READER.equals(r.path("actor").path("sub").asText()))
                .toList();
        assertThat(reads).extracting(r -> r.path("scope").asText())
                .contains("console/sign-in", "console/search", "console/record", "console/export");
        assertThat(reads).filteredOn(r -> r.path("scope").asText().equals("console/search"))
                .anySatisfy(r -> assertThat(r.path("identity").asText()).contains(fixture.issuedTokenSha256()));
        assertThat(reads).allSatisfy(r -> assertThat(r.path("decision").asText()).isEqualTo("allow"));
    }

    @Test
    void whatCallersSentIsShownAsTextNeverAsMarkup() {
        String session = signIn(ConsoleFixture.READER);
        HttpResponse<String> found = get("search?subject=" + Harness.enc(ConsoleFixture.MARKUP_SUBJECT), session);
        assertThat(found.body()).contains("1 record").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .doesNotContain("<script>");
        HttpResponse<String> overview = get("?window=7d", session);
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("<svg").contains("bar-allow").contains("bar-deny")
                .doesNotContain("<script>");
        assertThat(get("search?decision=maybe", session).statusCode()).isEqualTo(400);
    }

    @Test
    void someoneOutsideTheReadersPolicyIsRefusedAndRecorded() {
        SignInResult outsider = attemptSignIn(ConsoleFixture.OUTSIDER);
        assertThat(outsider.callback().statusCode()).isEqualTo(403);
        assertThat(outsider.session()).isNull();
        assertThat(fixture.harness.records()).anySatisfy(r -> {
            assertThat(r.path("scope").asText()).isEqualTo("console/sign-in");
            assertThat(r.path("decision").asText()).isEqualTo("deny");
            assertThat(r.path("actor").path("sub").asText()).isEqualTo(ConsoleFixture.OUTSIDER);
        });
    }

    @Test
    void signOutNeedsTheSessionsCsrfToken() {
        String session = signIn(ConsoleFixture.READER);
        HttpResponse<String> page = get("search", session);
        Matcher csrf = CSRF.matcher(page.body());
        assertThat(csrf.find()).isTrue();

        assertThat(post("logout", session, "csrf=forged").statusCode()).isEqualTo(403);
        assertThat(post("logout", session, "").statusCode()).isEqualTo(403);
        assertThat(get("search", session).statusCode()).isEqualTo(200);

        assertThat(post("logout", session, "csrf=" + Harness.enc(csrf.group(1))).statusCode()).isEqualTo(303);
        assertThat(get("search", session).statusCode()).isEqualTo(303);
    }

    @Test
    void aCallbackNotStartedInThisBrowserSignsNobodyIn() {
        SignInResult stolen = attemptSignIn(ConsoleFixture.READER, false, false);
        assertThat(stolen.callback().statusCode()).isEqualTo(400);
        assertThat(stolen.session()).isNull();
    }

    /** Someone who saw a sign-in's callback URL (its state) cannot cancel it: the browser that started it ends it. */
    @Test
    void aStrangersUseOfTheCallbackLeavesTheSignInToItsBrowser() {
        SignInResult result = attemptSignIn(ConsoleFixture.READER, true, true);
        assertThat(result.callback().statusCode()).isEqualTo(200);
        assertThat(get("search", result.session()).statusCode()).as("the session opens the console").isEqualTo(200);
    }

    private record SignInResult(HttpResponse<String> callback, String session) {
    }

    private String signIn(String subject) {
        SignInResult result = attemptSignIn(subject);
        assertThat(result.callback().statusCode()).isEqualTo(200);
        return result.session();
    }

    private SignInResult attemptSignIn(String subject) {
        return attemptSignIn(subject, true, false);
    }

    /** The console's login, the issuer's "sign in as" form, and the callback, each one hop as a browser follows them. */
    private SignInResult attemptSignIn(String subject, boolean sameBrowser, boolean strangerFirst) {
        HttpResponse<String> login = get("login", null);
        assertThat(login.statusCode()).isEqualTo(303);
        String loginCookie = cookie(login, "octosts_console_login");
        URI authorize = URI.create(login.headers().firstValue("Location").orElseThrow());
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : authorize.getRawQuery().split("&")) {
            String[] parts = pair.split("=", 2);
            form.put(URLDecoder.decode(parts[0], StandardCharsets.UTF_8), URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
        }
        assertThat(form).containsEntry("code_challenge_method", "S256").containsKeys("state", "nonce", "code_challenge");
        form.put("subject", subject);
        HttpResponse<String> approved = send(HttpRequest.newBuilder(authorize.resolve(authorize.getPath()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form.entrySet().stream()
                        .map(e -> Harness.enc(e.getKey()) + "=" + Harness.enc(e.getValue()))
                        .collect(Collectors.joining("&")))).build());
        assertThat(approved.statusCode()).isEqualTo(303);
        URI callbackUri = URI.create(approved.headers().firstValue("Location").orElseThrow());
        if (strangerFirst) {
            assertThat(send(HttpRequest.newBuilder(callbackUri).GET().build()).statusCode()).as("the stranger").isEqualTo(400);
        }
        HttpRequest.Builder callback = HttpRequest.newBuilder(callbackUri);
        if (sameBrowser) {
            callback.header("Cookie", "octosts_console_login=" + loginCookie);
        }
        HttpResponse<String> answer = send(callback.GET().build());
        return new SignInResult(answer, cookie(answer, "octosts_console"));
    }

    private static String cookie(HttpResponse<String> response, String name) {
        return response.headers().allValues("Set-Cookie").stream()
                .filter(header -> header.startsWith(name + "="))
                .filter(header -> {
                    String lower = header.toLowerCase(java.util.Locale.ROOT);
                    assertThat(lower).contains("httponly").contains("secure").contains("samesite=");
                    return !header.startsWith(name + "=;") && !header.startsWith(name + "=\"\"");
                })
                .map(header -> header.substring(name.length() + 1, header.indexOf(';')))
                .filter(value -> !value.isEmpty())
                .findFirst().orElse(null);
    }

    private HttpResponse<String> get(String path, String session) {
        HttpRequest.Builder request = HttpRequest.newBuilder(fixture.console.resolve(path)).GET();
        if (session != null) {
            request.header("Cookie", "octosts_console=" + session);
        }
        return send(request.build());
    }

    private HttpResponse<String> post(String path, String session, String body) {
        return send(HttpRequest.newBuilder(fixture.console.resolve(path))
                .header("Cookie", "octosts_console=" + session)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
