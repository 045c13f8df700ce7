package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.exchange.Decision;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.exchange.IssuedGrants;
import dev.octosts.testing.MutableClock;
import dev.octosts.testing.TestDatabase;
import dev.octosts.dev.LocalPostgres.LedgerLogins;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Revocation records in the ledger: next to records of the shape written before revocations existed, they
 * verify, follow the published schema, share the token_sha256 column with their grant, and tell
 * {@link LedgerGrants} whether a grant was revoked.
 */
class RevocationRecordsTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN_SHA256 = "ab".repeat(32);

    @Test
    void grantsAndRevocationsShareTheTokensHashAndTheChainStillVerifies() throws Exception {
        LedgerLogins logins = TestDatabase.shared().createLedgerDatabase();
        Migrations.migrate(logins.ownerUrl());
        PGSimpleDataSource runtime = new PGSimpleDataSource();
        runtime.setURL(logins.runtimeUrl());
        MutableClock clock = new MutableClock(T0);
        LedgerGrants grants = new LedgerGrants(runtime);
        try (Ledger ledger = new Ledger(runtime, LedgerSettings.defaults(), clock).start()) {
            ledger.append(granted(clock.instant()));
            assertThat(grants.find("cd".repeat(32))).isEmpty();
            IssuedGrants.Grant grant = grants.find(TOKEN_SHA256).orElseThrow();
            assertThat(grant.revoked()).isFalse();
            assertThat(grant.scope()).isEqualTo("octo-org/app");
            assertThat(grant.identity()).isEqualTo("ci");
            assertThat(grant.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
            assertThat(grant.seq()).isEqualTo(1);

            clock.advance(Duration.ofMinutes(1));
            ledger.append(revocation(clock.instant(), grant, "revoked"));
            ledger.append(revocation(clock.instant(), grant, "already_ended"));
            ledger.append(revocation(clock.instant(), null, "not_issued"));
            assertThat(grants.find(TOKEN_SHA256)).map(IssuedGrants.Grant::revoked).contains(true);
        }

        VerificationReport report = new LedgerVerifier(runtime, List.of()).verify();
        assertThat(report.firstProblem()).isEmpty();
        assertThat(report.records()).isEqualTo(4);
        List<JsonNode> rows = new LedgerQuery(runtime)
                .find(new LedgerQuery.Filter(TOKEN_SHA256, null, null, null, null, null, null), 10).toList();
        assertThat(rows).extracting(row -> row.get("decision").textValue() + " " + row.get("reason").textValue())
                .containsExactlyInAnyOrder("allow issued", "revoke revoked", "revoke already_ended", "revoke not_issued");
        assertThat(new LedgerQuery(runtime).find(new LedgerQuery.Filter(null, null, null, null, Decision.REVOKE, null,
                null), 10).toList()).hasSize(3);

        JsonNode schema = JSON.readTree(Path.of("db/ledger-record.schema.json").toFile());
        for (JsonNode row : rows) {
            assertThat(LedgerExportTest.SchemaCheck.errors(schema, row, "$")).as(row.toString()).isEmpty();
            assertThat(row.has("revocation")).isEqualTo(row.get("decision").textValue().equals("revoke"));
        }
        JsonNode notIssued = rows.stream().filter(row -> row.get("reason").textValue().equals("not_issued"))
                .findFirst().orElseThrow();
        assertThat(notIssued.get("revocation").get("grant_seq").isNull()).isTrue();
    }

    /**
     * The same made-up token sent again and again leaves a record each time; the grant lookup of that token
     * reads none of them (the index by token and reason leads it to the grant and confirmed revocations only).
     */
    @Test
    void theGrantLookupReadsNoneOfTheRecordsAStrangerPilesUp() throws Exception {
        LedgerLogins logins = TestDatabase.shared().createLedgerDatabase();
        Migrations.migrate(logins.ownerUrl());
        PGSimpleDataSource runtime = new PGSimpleDataSource();
        runtime.setURL(logins.runtimeUrl());
        try (Ledger ledger = new Ledger(runtime, LedgerSettings.defaults(), new MutableClock(T0)).start()) {
            ledger.append(granted(T0));
        }
        try (java.sql.Connection owner = java.sql.DriverManager.getConnection(logins.ownerUrl());
             java.sql.Statement sql = owner.createStatement()) {
            // 20,000 records of "not issued" for the grant's token, as a flood of requests would leave them.
            sql.execute("""
                    INSERT INTO ledger_record SELECT chain_id, seq + g, prev_hash, hash, recorded_at, request_id, 'revoke',
                        5, 'not_issued', '', '', NULL, NULL, token_sha256, canonical
                    FROM ledger_record, generate_series(1, 20000) AS g""");
            sql.execute("ANALYZE ledger_record");
            String plan;
            try (java.sql.PreparedStatement explain = owner.prepareStatement("EXPLAIN (ANALYZE, FORMAT TEXT) "
                    + LedgerGrants.SELECT.replace("?", "'" + TOKEN_SHA256 + "'"));
                 java.sql.ResultSet lines = explain.executeQuery()) {
                StringBuilder text = new StringBuilder();
                while (lines.next()) {
                    text.append(lines.getString(1)).append('\n');
                }
                plan = text.toString();
            }
            // The month's partition is read through an index; the empty months cost nothing either way.
            assertThat(plan).contains("Index Cond").doesNotContain("Rows Removed by Filter");
        }
        assertThat(new LedgerGrants(runtime).find(TOKEN_SHA256)).map(IssuedGrants.Grant::revoked).contains(false);
    }

    /** The schema check can fail on a revocation: a revocation without its token's hash is outside it. */
    @Test
    void theSchemaRefusesARevocationWithoutItsTokensHash() throws Exception {
        JsonNode schema = JSON.readTree(Path.of("db/ledger-record.schema.json").toFile());
        com.fasterxml.jackson.databind.node.ObjectNode document = LedgerDocument.document(
                revocation(T0, null, "not_issued"), UUID.randomUUID(), 1);
        document.put("prev_hash", "0".repeat(64));
        document.put("hash", "1".repeat(64));
        assertThat(LedgerExportTest.SchemaCheck.errors(schema, document, "$")).isEmpty();

        ((com.fasterxml.jackson.databind.node.ObjectNode) document.get("revocation")).put("token_sha256", "not hex");

        assertThat(LedgerExportTest.SchemaCheck.errors(schema, document, "$")).isNotEmpty();
    }

    /** A record the database refused is stored reduced: a revocation keeps its token's hash and its grant. */
    @Test
    void aReducedRevocationKeepsItsTokensHash() {
        IssuedGrants.Grant grant = new IssuedGrants.Grant(UUID.randomUUID(), 7, "octo-org/app", "ci",
                T0.plus(Duration.ofHours(1)), false);
        LedgerEntry reduced = LedgerDocument.reducedEntry(revocation(T0, grant, "revoked"), UUID.randomUUID(),
                "SQLState 54000");

        assertThat(reduced.tokenSha256()).isEqualTo(TOKEN_SHA256);
        String text = reduced.canonical(1);
        assertThat(text).contains("\"grant_seq\":7").contains(grant.chainId().toString())
                .contains("\"decision\":\"revoke\"").contains("record_reduced");
    }

    private static ExchangeRecord granted(Instant time) {
        ExchangeRecord.Actor actor = new ExchangeRecord.Actor("https://token.actions.githubusercontent.com",
                "repo:octo-org/app:ref:refs/heads/main", List.of("octo-sts"), "jti-1", Map.of());
        ExchangeRecord.Issued issued = new ExchangeRecord.Issued(1, 2, List.of("app"), Map.of("contents", "read"),
                time.plus(Duration.ofHours(1)), TOKEN_SHA256);
        return new ExchangeRecord(time, "grant", "127.0.0.1", "test", "octo-org/app", "ci", actor, Decision.ALLOW,
                GrpcCode.OK, "issued", "", null, null, null, issued, null, null);
    }

    private static ExchangeRecord revocation(Instant time, IssuedGrants.Grant grant, String reason) {
        ExchangeRecord.Revocation revocation = grant == null
                ? new ExchangeRecord.Revocation(TOKEN_SHA256, null, 0, null)
                : new ExchangeRecord.Revocation(TOKEN_SHA256, grant.chainId(), grant.seq(), grant.expiresAt());
        GrpcCode code = reason.equals("not_issued") ? GrpcCode.NOT_FOUND : GrpcCode.OK;
        return new ExchangeRecord(time, "revoke-" + reason, "127.0.0.1", "curl", grant == null ? "" : grant.scope(),
                grant == null ? "" : grant.identity(), null, Decision.REVOKE, code, reason, "", null, null, null, null,
                null, null, null, revocation);
    }
}
