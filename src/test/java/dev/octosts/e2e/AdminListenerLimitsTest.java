package dev.octosts.e2e;

import dev.octosts.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin listener against callers who should not get far: tokens minted for the exchange, too many
 * connections, and {@code /audit/verify} used to load the database.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminListenerLimitsTest {
    private static final String READER = "repo:org/security:ref:refs/heads/main";
    private static final String READERS_AUDIENCE = Harness.DOMAIN + "/audit";
    private static final int VERIFY_MAX_RECORDS = 3;
    private static Harness harness;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.installWithMainBranchPolicy("ci");
        // No audience in the policy: readers' tokens need the readers' audience, never the exchange's.
        harness.env.put("AUDIT_READERS_POLICY_FILE", harness.write("audit-readers.yaml", """
                issuer: https://token.actions.githubusercontent.com
                subject: %s
                """.formatted(READER)).toString());
        harness.env.put("ADMIN_MAX_CONNECTIONS", "2");
        harness.env.put("ADMIN_VERIFY_MAX_RECORDS", Integer.toString(VERIFY_MAX_RECORDS));
        harness.start();
        for (int i = 0; i < 4; i++) {
            assertThat(harness.get(harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main",
                    "aud", Harness.DOMAIN)), Map.of("scope", "org/repo", "identity", "ci")).status()).isEqualTo(200);
        }
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static Harness.Response admin(String path, Object audience) {
        return harness.send(HttpRequest.newBuilder(harness.adminUri().resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + harness.actionsToken(Map.of("sub", READER, "aud", audience)))
                .GET().build());
    }

    @Test
    void aTokenMintedForTheExchangeIsNoAuditCredential() {
        Harness.Response exchangeToken = admin("/audit/records?limit=1", Harness.DOMAIN);
        assertThat(exchangeToken.status()).as(exchangeToken.raw().body()).isEqualTo(403);

        Harness.Response bothAudiences = admin("/audit/records?limit=1", List.of(READERS_AUDIENCE, Harness.DOMAIN));
        assertThat(bothAudiences.status()).as(bothAudiences.raw().body()).isEqualTo(403);

        Harness.Response readerToken = admin("/audit/records?limit=1", READERS_AUDIENCE);
        assertThat(readerToken.status()).as(readerToken.raw().body()).isEqualTo(200);

        assertThat(harness.records()).anySatisfy(read -> {
            assertThat(read.path("scope").asText()).isEqualTo("audit/query");
            assertThat(read.path("decision").asText()).isEqualTo("deny");
            assertThat(read.path("actor").path("sub").asText()).isEqualTo(READER);
        });
    }

    @Test
    void aReadersPolicyThatAcceptsTheExchangeAudienceStopsStartUp() {
        for (String audience : List.of("audience: " + Harness.DOMAIN, "audience_pattern: '.*'")) {
            try (Harness refused = new Harness()) {
                refused.app(0);
                refused.env.put("AUDIT_READERS_POLICY_FILE", refused.write("audit-readers.yaml", """
                        issuer: https://token.actions.githubusercontent.com
                        subject: %s
                        %s
                        """.formatted(READER, audience)).toString());
                assertThatThrownBy(refused::start).as(audience)
                        .isInstanceOf(ConfigException.class)
                        .hasMessageStartingWith("AUDIT_READERS_POLICY_FILE: ")
                        .hasMessageContaining(Harness.DOMAIN);
            }
        }
    }

    /** First: the other tests leave the harness's kept-alive connections holding admin slots. */
    @Test
    @Order(1)
    void connectionsBeyondTheAdminLimitWaitUntilOneCloses() throws Exception {
        URI admin = harness.adminUri();
        try (Socket first = new Socket(admin.getHost(), admin.getPort());
             Socket second = new Socket(admin.getHost(), admin.getPort());
             HttpClient http = HttpClient.newHttpClient()) {
            CompletableFuture<HttpResponse<Void>> third = http.sendAsync(
                    HttpRequest.newBuilder(admin.resolve("/observe/metrics")).build(), HttpResponse.BodyHandlers.discarding());
            Thread.sleep(500);
            assertThat(third).as("answered while two connections were held").isNotDone();

            first.close();
            assertThat(third.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    /**
     * Each call walks at most {@code ADMIN_VERIFY_MAX_RECORDS} records and says so; calls continue where the
     * last one stopped, until every record (including those of the reads themselves) is covered.
     */
    @Test
    void verifyWalksABoundedNumberOfRecordsPerCallAndContinues() {
        Harness.Response first = admin("/audit/verify", READERS_AUDIENCE);
        assertThat(first.status()).as(first.raw().body()).isEqualTo(200);
        assertThat(first.body().path("verified").asBoolean()).isTrue();
        assertThat(first.body().path("records").asLong()).isEqualTo(VERIFY_MAX_RECORDS);
        assertThat(first.body().path("complete").isBoolean()).isTrue();
        assertThat(first.body().path("complete").asBoolean()).isFalse();

        Harness.Response last = first;
        for (int call = 0; call < 100 && !last.body().path("complete").asBoolean(); call++) {
            last = admin("/audit/verify", READERS_AUDIENCE);
            assertThat(last.status()).isEqualTo(200);
            assertThat(last.body().path("verified").asBoolean()).isTrue();
            assertThat(last.body().path("records").asLong()).isBetween(0L, (long) VERIFY_MAX_RECORDS);
        }
        assertThat(last.body().path("complete").asBoolean()).as(last.raw().body()).isTrue();
        long covered = last.body().path("records").asLong() + last.body().path("records_verified_earlier").asLong();
        assertThat(covered).isEqualTo(harness.records().size());
    }

    @Test
    void oneVerificationAtATime() throws Exception {
        try (Connection owner = DriverManager.getConnection(harness.env.get("DATABASE_MIGRATION_URL"));
             Statement sql = owner.createStatement()) {
            owner.setAutoCommit(false);
            // Holds the first verification inside the database, so the second surely overlaps it.
            sql.execute("LOCK TABLE ledger_checkpoint IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<Harness.Response> running = CompletableFuture.supplyAsync(
                    () -> admin("/audit/verify", READERS_AUDIENCE));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (waitingForTheLock(sql) == 0) {
                assertThat(System.nanoTime()).as("the first verification reached the database").isLessThan(deadline);
                assertThat(running).isNotDone();
                Thread.sleep(20);
            }

            Harness.Response second = harness.send(HttpRequest.newBuilder(harness.adminUri().resolve("/audit/verify"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + harness.actionsToken(Map.of("sub", READER, "aud", READERS_AUDIENCE)))
                    .GET().build());
            assertThat(second.status()).as(second.raw().body()).isEqualTo(429);
            assertThat(second.code()).isEqualTo(8);

            owner.rollback();
            assertThat(running.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
    }

    private static int waitingForTheLock(Statement sql) throws Exception {
        try (ResultSet rows = sql.executeQuery(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'ledger_checkpoint'::regclass")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
