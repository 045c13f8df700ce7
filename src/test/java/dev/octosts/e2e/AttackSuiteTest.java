package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalOidcIssuer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks a stranger can run with nothing but the network and an issuer of their own, each while
 * legitimate clients exchange tokens: what is asserted is what the legitimate clients see during the
 * attack (every exchange answered with a token, every token recorded), and that the attacker gets no token.
 * The service runs with its production rate limits, except the per-address one (every client here
 * shares 127.0.0.1; StrangerRequestsTest covers that limit with several source addresses).
 */
class AttackSuiteTest {
    private static final int CLIENTS = 4;
    private static final int EXCHANGES_PER_CLIENT = 25;
    /** Bounds each attacker loop even if the legitimate clients never finish. */
    private static final int MAX_ATTACK_REQUESTS = 5_000;
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    private static final Map<String, String> QUERY = Map.of("scope", "org/repo", "identity", "ci");

    private final Harness harness = new Harness();

    @BeforeEach
    void start() {
        harness.installWithMainBranchPolicy("ci");
        // Every legitimate client here shares one subject: its budget is raised; the rest are production's.
        harness.env.put("RATE_LIMIT_PER_SUBJECT", "1000");
        harness.env.remove("RATE_LIMIT_SCOPE_MISSES_PER_MINUTE");
        harness.env.remove("RATE_LIMIT_PER_UNKNOWN_ISSUER");
        harness.env.remove("RATE_LIMIT_UNKNOWN_ISSUERS");
        harness.env.remove("RATE_LIMITED_RECORDS");
        harness.start();
        // The Actions issuer earns its budget as a known issuer with a first token.
        assertThat(harness.get(legitToken(), QUERY).status()).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    private String legitToken() {
        return harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN));
    }

    /** One attacker request; answers the HTTP status it got (0 when the server closed without one). */
    @FunctionalInterface
    private interface Attack {
        int send(int n) throws Exception;
    }

    /** Runs {@code attackers} copies of {@code attack} until the legitimate clients are done. */
    private List<Integer> duringAttack(int attackers, Attack attack) throws Exception {
        List<Integer> legit = new ArrayList<>();
        ConcurrentLinkedQueue<Integer> legitStatuses = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> attackStatuses = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> attacking = new ArrayList<>();
            for (int a = 0; a < attackers; a++) {
                attacking.add(pool.submit(() -> {
                    int n;
                    while (!done.get() && (n = sent.incrementAndGet()) <= MAX_ATTACK_REQUESTS) {
                        attackStatuses.add(attack.send(n));
                    }
                    return null;
                }));
            }
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(pool.submit(() -> {
                    for (int i = 0; i < EXCHANGES_PER_CLIENT; i++) {
                        legitStatuses.add(harness.get(legitToken(), QUERY).status());
                    }
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get();
            }
            done.set(true);
            for (Future<?> attacker : attacking) {
                attacker.get();
            }
        }
        legit.addAll(legitStatuses);
        System.out.printf("legitimate %s, attacker %s%n", histogram(legitStatuses), histogram(attackStatuses));
        assertThat(legit).as("legitimate exchanges during the attack").hasSize(CLIENTS * EXCHANGES_PER_CLIENT)
                .containsOnly(200);
        assertThat(attackStatuses).as("the attacker got answers, and never a token").isNotEmpty().doesNotContain(200);
        assertNoTokenWithoutRecord();
        return List.copyOf(attackStatuses);
    }

    private static Map<Integer, Long> histogram(Iterable<Integer> statuses) {
        List<Integer> all = new ArrayList<>();
        statuses.forEach(all::add);
        return all.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    }

    private void assertNoTokenWithoutRecord() {
        Set<String> recorded = harness.records().stream()
                .map(record -> record.path("issued").path("token_sha256").asText(""))
                .filter(hash -> !hash.isEmpty())
                .collect(Collectors.toSet());
        for (GitHubSimulator.IssuedToken token : harness.github.issuedTokens()) {
            if (!token.revoked()) {
                assertThat(recorded).as("a live token has a committed record").contains(Harness.sha256Hex(token.token()));
            }
        }
    }

    @Test
    void hostileKeySets() throws Exception {
        Random random = new Random(14);
        try (LocalOidcIssuer attacker = LocalOidcIssuer.start()) {
            List<Map<String, String>> keys = new ArrayList<>();
            for (int i = 0; i < 88; i++) {
                keys.add(Map.of("kty", "RSA", "kid", "k", "use", "sig", "alg", "RS256",
                        "n", unsigned(new BigInteger(3072, random).setBit(3071).setBit(0)),
                        "e", unsigned(new BigInteger(3070, random).setBit(3069).setBit(0))));
            }
            attacker.respondToJwks(LocalOidcIssuer.Fault.body(new ObjectMapper().writeValueAsString(Map.of("keys", keys))));

            List<Integer> answers = duringAttack(2, n -> harness.get(forged(attacker.issuer(), random), QUERY).status());

            assertThat(answers).isSubsetOf(401, 429);
            assertThat(attacker.jwksRequests()).as("the hostile set is fetched once, not per token").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void unknownIssuers() throws Exception {
        List<Integer> answers = duringAttack(2, n -> harness.get(
                harness.issuer.token().issuer("https://issuer-" + n + ".attacker.invalid").subject(MAIN)
                        .audience(Harness.DOMAIN).mint(), QUERY).status());

        assertThat(answers).as("refused (no such issuer: discovery fails) or rate limited, never a service error")
                .isSubsetOf(400, 429).contains(400);
    }

    @Test
    void randomScopes() throws Exception {
        // A valid token of the same issuer the legitimate clients use, for a workflow of the attacker's own.
        String valid = harness.actionsToken(Map.of("sub", "repo:attacker/own:ref:refs/heads/main", "aud", Harness.DOMAIN));
        long callsBefore = harness.github.callCount();

        List<Integer> answers = duringAttack(2, n -> harness.get(valid,
                Map.of("scope", "org/random-" + n, "identity", "ci")).status());

        assertThat(answers).isSubsetOf(404, 429, 500);
        List<JsonNode> records = harness.records();
        assertThat(records).filteredOn(r -> r.path("scope").asText().startsWith("org/random-"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.path("reason").asText())
                        .isIn("repository_not_accessible", "policy_not_found", "rate_limited"));
        // The GitHub calls the attacker can cause are bounded by its budget of scopes that lead nowhere (60 a
        // minute), not by how many requests it sends: the legitimate clients' calls are 3 per exchange at most.
        long calls = harness.github.callCount() - callsBefore;
        System.out.printf("random scopes: %d GitHub calls for %d attack requests%n", calls, answers.size());
        assertThat(calls).isLessThanOrEqualTo(3L * CLIENTS * EXCHANGES_PER_CLIENT + 3L * 60 + 10);

        // However long it goes on: past its budget the scanner is refused before any GitHub call.
        long before = harness.github.callCount();
        List<Integer> more = new ArrayList<>();
        for (int n = 0; n < 80; n++) {
            more.add(harness.get(valid, Map.of("scope", "org/more-" + n, "identity", "ci")).status());
        }
        assertThat(more.subList(more.size() - 10, more.size())).containsOnly(429);
        assertThat(harness.github.callCount() - before).as("GitHub calls for scopes past the budget")
                .isLessThanOrEqualTo(more.stream().filter(status -> status != 429).count() + 2);
    }

    @Test
    void oversizedRequests() throws Exception {
        String[] requests = {
                "GET /sts/exchange?scope=" + "a".repeat(64 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /sts/exchange HTTP/1.1\r\nHost: x\r\nX-Filler: " + "b".repeat(64 * 1024) + "\r\n\r\n",
                "POST /sts/exchange HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"
                        + "{\"scope\":\"" + "c".repeat(32 * 1024),
        };

        List<Integer> answers = duringAttack(2, n -> raw(requests[n % requests.length]));

        // 414 for the request line, 400 for the header block (Helidon's answer), 413 for the body; 0 when the
        // server closed the connection before an answer could be read.
        assertThat(answers).as("each refused for its size, or the connection closed").isSubsetOf(0, 400, 413, 414)
                .containsAnyOf(400, 413, 414);
    }

    private int raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", harness.baseUri().getPort())) {
            socket.setSoTimeout(30_000);
            try {
                socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
            } catch (IOException closedEarly) {
                // The server may answer and close before the whole request is sent.
            }
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1)).readLine();
            return status == null ? 0 : Integer.parseInt(status.split(" ")[1]);
        } catch (java.net.SocketException reset) {
            return 0;
        }
    }

    /** An RS256 token claiming {@code issuer}, with kid "k" and a random 384-byte signature. */
    private static String forged(String issuer, Random random) throws Exception {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", MAIN);
        claims.put("aud", Harness.DOMAIN);
        claims.put("exp", Instant.now().plusSeconds(600).getEpochSecond());
        byte[] signature = new byte[384];
        synchronized (random) {
            random.nextBytes(signature);
        }
        signature[0] = 1;
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        ObjectMapper json = new ObjectMapper();
        return url.encodeToString(json.writeValueAsBytes(Map.of("alg", "RS256", "kid", "k", "typ", "JWT")))
                + "." + url.encodeToString(json.writeValueAsBytes(claims)) + "." + url.encodeToString(signature);
    }

    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes[0] == 0) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
