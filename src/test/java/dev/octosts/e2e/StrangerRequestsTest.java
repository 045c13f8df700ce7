package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.dev.LocalOidcIssuer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What strangers can make the service do: every request to the exchange leaves a record, a scope
 * naming a repository the App cannot see is not reported as a GitHub outage, and callers over their
 * budget (address, unknown issuer) get 429 while everyone else is served.
 */
class StrangerRequestsTest {
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    private final Harness harness = new Harness();

    @AfterEach
    void stop() {
        harness.close();
    }

    private String goodToken() {
        return harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN));
    }

    private JsonNode recordOf(Harness.Response response) {
        String requestId = response.raw().headers().firstValue("X-Request-Id").orElseThrow();
        return harness.records().stream().filter(r -> r.path("request_id").asText().equals(requestId))
                .findFirst().orElse(null);
    }

    @Test
    void aRequestTheHandlerCannotParseIsRecordedUnderItsRequestId() {
        harness.installWithMainBranchPolicy("ci");
        harness.start();

        Harness.Response response = harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/sts/exchange"))
                .header("Authorization", "Bearer " + goodToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build());

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.message()).isEqualTo("request body is not valid JSON");
        JsonNode record = recordOf(response);
        assertThat(record).as("the ledger record of the refused request").isNotNull();
        assertThat(record.path("reason").asText()).isEqualTo("malformed_request");
        assertThat(record.path("decision").asText()).isEqualTo("deny");
    }

    @Test
    void aScopeNamingARepositoryTheAppCannotSeeIsNotAGitHubOutage() {
        harness.installWithMainBranchPolicy("ci");
        harness.start();

        Harness.Response response = harness.get(goodToken(), Map.of("scope", "org/no-such-repo", "identity", "ci"));

        // Octo STS's answer is kept; only the recorded reason (and so the metrics and alerts) changes.
        assertThat(response.status()).isEqualTo(500);
        assertThat(response.message()).isEqualTo("unable to read trust policy for \"ci\"");
        assertThat(recordOf(response).path("reason").asText()).isEqualTo("repository_not_accessible");
    }

    @Test
    void anAddressOverItsBudgetGets429WhileOtherAddressesAreServed() {
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("RATE_LIMIT_PER_ADDRESS", "2");
        harness.env.put("RATE_LIMITED_RECORDS", "1000");
        harness.start();
        String token = goodToken();

        List<Integer> attacker = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            attacker.add(getFrom("127.0.0.2", token));
        }
        int legitimate = getFrom("127.0.0.3", token);

        assertThat(attacker.subList(0, 4)).containsOnly(200);
        assertThat(attacker.subList(4, 20)).as("beyond a burst of twice the rate").contains(429);
        assertThat(legitimate).isEqualTo(200);
        assertThat(harness.records()).filteredOn(r -> r.path("reason").asText().equals("rate_limited"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.path("remote_address").asText())
                        .isEqualTo("127.0.0.2"));
    }

    @Test
    void behindATrustedProxyTheClientIsTheForwardedAddressAndNoOneElseCanClaimOne() {
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("TRUSTED_PROXIES", "127.0.0.1/32");
        harness.start();
        String token = goodToken();

        getFrom("127.0.0.1", token, "X-Forwarded-For: 203.0.113.50, 127.0.0.1");
        getFrom("127.0.0.2", token, "X-Forwarded-For: 203.0.113.51");

        assertThat(harness.records()).extracting(r -> r.path("remote_address").asText())
                .containsExactly("203.0.113.50", "127.0.0.2");
    }

    @Test
    void anUnknownIssuerIsLimitedBeforeItsKeysAreFetchedAndAKnownIssuerIsNot() {
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("RATE_LIMIT_PER_UNKNOWN_ISSUER", "1");
        harness.start();
        try (LocalOidcIssuer stranger = LocalOidcIssuer.start()) {
            assertThat(harness.get(goodToken(), Map.of("scope", "org/repo", "identity", "ci")).status())
                    .as("the Actions issuer earns its budget with a first token").isEqualTo(200);

            List<Integer> strangerAnswers = new ArrayList<>();
            List<Integer> legitimateAnswers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String forged = stranger.token().subject(MAIN).audience(Harness.DOMAIN).mint();
                strangerAnswers.add(harness.get(forged, Map.of("scope", "org/repo", "identity", "ci")).status());
                legitimateAnswers.add(harness.get(goodToken(), Map.of("scope", "org/repo", "identity", "ci")).status());
            }

            assertThat(strangerAnswers).contains(429);
            assertThat(legitimateAnswers).containsOnly(200);
            assertThat(stranger.discoveryRequests()).as("keys fetched only within the stranger's budget")
                    .isLessThanOrEqualTo(2);
        }
    }

    @Test
    void requestsRefusedBeforeRoutingGetTheErrorBodyAndAreCounted() {
        harness.installWithMainBranchPolicy("ci");
        harness.start();
        String longLine = "GET /sts/exchange?scope=" + "a".repeat(10_000) + "&identity=ci HTTP/1.1\r\nHost: x\r\n\r\n";
        String badHeader = "GET /sts/exchange?scope=org/repo&identity=ci HTTP/1.1\r\nHost: x\r\nX-Bad\u0001: y\r\n\r\n";
        String hugeHeaders = "GET /sts/exchange HTTP/1.1\r\nHost: x\r\n" + "X-Filler: " + "b".repeat(40_000) + "\r\n\r\n";
        String badQuery = "GET /sts/exchange?scope=%zz&identity=ci HTTP/1.1\r\nHost: x\r\n\r\n";

        // The status line, and the body's message (the status's reason phrase) of each early refusal.
        Map<String, List<String>> answers = new java.util.LinkedHashMap<>();
        answers.put(longLine, List.of("HTTP/1.1 414 ", "request-uri too long"));
        answers.put(badHeader, List.of("HTTP/1.1 400 ", "bad request"));
        answers.put(hugeHeaders, List.of("HTTP/1.1 400 ", "bad request")); // Helidon answers 400, not 431
        answers.put(badQuery, List.of("HTTP/1.1 400 ", "bad request"));
        answers.forEach((request, expected) -> {
            String response = rawExchange(request);
            assertThat(response).as(request.substring(0, 40)).startsWith(expected.get(0));
            JsonNode body = Harness.json(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertThat(body.path("code").asInt()).isEqualTo(3);
            assertThat(body.path("message").asText()).as(request.substring(0, 40)).isEqualTo(expected.get(1));
        });
        Harness.Response metrics = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/observe/metrics"))
                .GET().build());
        assertThat(metrics.raw().body()).contains("octosts_http_refused_before_routing_total{");
    }

    @Test
    void anExchangeEndsAtItsDeadlineWithARecordAndNoToken() {
        harness.installWithMainBranchPolicy("ci");
        harness.env.put("EXCHANGE_DEADLINE_SECONDS", "1");
        harness.start();
        String token = goodToken();
        harness.github.setLatency(java.time.Duration.ofSeconds(4));

        Harness.Response response = harness.get(token, Map.of("scope", "org/repo", "identity", "ci"));

        harness.github.setLatency(java.time.Duration.ZERO);
        assertThat(response.status()).isEqualTo(504);
        assertThat(response.code()).isEqualTo(4);
        JsonNode record = recordOf(response);
        assertThat(record.path("reason").asText()).isEqualTo("deadline_exceeded");
        assertThat(record.path("decision").asText()).isEqualTo("error");
        assertThat(harness.github.issuedTokens()).allSatisfy(issued -> assertThat(issued.revoked()).isTrue());
    }

    /** Sends raw bytes to the listener and reads the whole answer (the server closes after an error). */
    private String rawExchange(String request) {
        try (Socket socket = new Socket("127.0.0.1", harness.baseUri().getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            StringBuilder answer = new StringBuilder();
            java.io.InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int n;
            // Head and a Content-Length body: read until the body is complete or the server closes.
            while ((n = in.read(buffer)) > 0) {
                answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                int headEnd = answer.indexOf("\r\n\r\n");
                if (headEnd >= 0) {
                    java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                            .matcher(answer.substring(0, headEnd));
                    if (length.find() && answer.length() >= headEnd + 4 + Integer.parseInt(length.group(1))) {
                        break;
                    }
                }
            }
            return answer.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A GET of the exchange sent from {@code sourceAddress} (any loopback address), answering its status. */
    private int getFrom(String sourceAddress, String token) {
        return getFrom(sourceAddress, token, null);
    }

    private int getFrom(String sourceAddress, String token, String extraHeader) {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(sourceAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", harness.baseUri().getPort()), 5_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /sts/exchange?scope=org/repo&identity=ci HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + token + "\r\n" + (extraHeader == null ? "" : extraHeader + "\r\n")
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The status line is all this needs; the socket closes with the method.
            String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1)).readLine();
            harness.requests.incrementAndGet();
            return Integer.parseInt(statusLine.split(" ")[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
