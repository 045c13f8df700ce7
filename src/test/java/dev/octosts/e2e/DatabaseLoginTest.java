package dev.octosts.e2e;

import dev.octosts.config.ConfigException;
import dev.octosts.testing.CapturedLogs;
import dev.octosts.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The service's database login cannot rewrite the ledger: {@code serve} refuses a login that owns the
 * ledger tables, is a superuser, or holds a right beyond INSERT and SELECT on them (directly or through a
 * role it belongs to), unless {@code LEDGER_ALLOW_PRIVILEGED_LOGIN=true}; and it never migrates as
 * {@code DATABASE_URL}.
 */
class DatabaseLoginTest {

    @Test
    void refusesToServeAsASuperuser() {
        try (Harness harness = new Harness(TestDatabase.shared().createDatabase())) {
            harness.installWithMainBranchPolicy("ci");
            harness.env.put("DATABASE_URL", harness.superuserUrl);

            assertRefused(harness, "is a superuser");
        }
    }

    @Test
    void refusesToServeAsTheLoginThatOwnsTheLedger() {
        try (Harness harness = new Harness(TestDatabase.shared().createDatabase())) {
            harness.installWithMainBranchPolicy("ci");
            harness.env.put("DATABASE_URL", harness.ownerUrl);

            assertRefused(harness, "owns ledger_chain, ledger_record, ledger_checkpoint, webhook_delivery");
        }
    }

    @Test
    void refusesALoginThatMayBecomeTheOwner() throws SQLException {
        try (Harness harness = new Harness(TestDatabase.shared().createDatabase())) {
            harness.installWithMainBranchPolicy("ci");
            // NOINHERIT: the login holds none of the owner's rights until it runs SET ROLE, which it may.
            sql(harness.superuserUrl, "GRANT " + TestDatabase.user(harness.ownerUrl) + " TO "
                    + TestDatabase.user(harness.databaseUrl) + " WITH INHERIT FALSE");

            assertRefused(harness, "owns ledger_chain, ledger_record, ledger_checkpoint, webhook_delivery");
        }
    }

    @ParameterizedTest(name = "GRANT {0} ON {1}")
    @CsvSource(delimiter = '|', value = {
            "UPDATE|ledger_record|holds UPDATE on ledger_record",
            "UPDATE (reason)|ledger_record|holds UPDATE on ledger_record",
            "DELETE|ledger_checkpoint|holds DELETE on ledger_checkpoint",
            "TRUNCATE|ledger_chain|holds TRUNCATE on ledger_chain",
            "TRIGGER|ledger_record|holds TRIGGER on ledger_record",
    })
    void refusesALoginWithARightBeyondInsertAndSelect(String right, String table, String message) throws SQLException {
        try (Harness harness = new Harness(TestDatabase.shared().createDatabase())) {
            harness.installWithMainBranchPolicy("ci");
            sql(harness.ownerUrl, "GRANT " + right + " ON " + table + " TO " + TestDatabase.user(harness.databaseUrl));

            assertRefused(harness, message);
        }
    }

    @Test
    void refusesARightHeldThroughAGroupRole() throws SQLException {
        try (Harness harness = new Harness(TestDatabase.shared().createDatabase())) {
            harness.installWithMainBranchPolicy("ci");
            String group = TestDatabase.user(harness.databaseUrl) + "_group";
            sql(harness.superuserUrl, "CREATE ROLE " + group + " NOLOGIN");
            sql(harness.ownerUrl, "GRANT UPDATE ON ledger_checkpoint TO " + group);
            sql(harness.superuserUrl, "GRANT " + group + " TO " + TestDatabase.user(harness.databaseUrl));

            assertRefused(harness, "holds UPDATE on ledger_checkpoint");
        }
    }

    @Test
    void servesAsTheRuntimeLoginWithoutAWarning() {
        try (CapturedLogs logs = new CapturedLogs(); Harness harness = new Harness(TestDatabase.shared().createDatabase())) {
            harness.installWithMainBranchPolicy("ci");
            harness.start();

            assertThat(exchange(harness)).isEqualTo(200);
            harness.close(); // stores the final checkpoint
            assertThat(logs.lines()).noneMatch(line -> line.contains("LEDGER_ALLOW_PRIVILEGED_LOGIN"));
        }
    }

    @Test
    void withTheOverrideServesAndWarnsAtStartAndOnEveryCheckpoint() {
        try (CapturedLogs logs = new CapturedLogs(); Harness harness = new Harness(TestDatabase.shared().createDatabase())) {
            harness.installWithMainBranchPolicy("ci");
            harness.env.put("DATABASE_URL", harness.ownerUrl);
            harness.env.put("LEDGER_ALLOW_PRIVILEGED_LOGIN", "true");
            harness.env.put("LEDGER_CHECKPOINT_SECONDS", "86400"); // the only checkpoint is the one on close
            harness.start();
            assertThat(warnings(logs)).singleElement().asString().contains("WARNING")
                    .contains(TestDatabase.user(harness.ownerUrl)).contains("owns ledger_chain")
                    .doesNotContain("password");

            assertThat(exchange(harness)).isEqualTo(200);
            harness.close();
            List<String> warnings = warnings(logs);
            assertThat(warnings).hasSize(2);
            assertThat(warnings.getLast()).contains("WARNING").contains("checkpoint");
        }
    }

    @Test
    void withoutAMigrationUrlServeDoesNotMigrateAndSaysHow() {
        try (Harness harness = new Harness(TestDatabase.shared().createDatabase(), false)) {
            harness.installWithMainBranchPolicy("ci");
            harness.env.remove("DATABASE_MIGRATION_URL");

            assertThatThrownBy(harness::start).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("DATABASE_MIGRATION_URL: ")
                    .hasMessageContaining("run octo-sts migrate")
                    .satisfies(error -> assertThat(error.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void serveNeverMigratesAsDatabaseUrlEvenWhenItCould() throws SQLException {
        try (Harness harness = new Harness(TestDatabase.shared().createDatabase(), false)) {
            harness.installWithMainBranchPolicy("ci");
            harness.env.remove("DATABASE_MIGRATION_URL");
            harness.env.put("DATABASE_URL", harness.ownerUrl);
            harness.env.put("LEDGER_ALLOW_PRIVILEGED_LOGIN", "true");

            assertThatThrownBy(harness::start).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("DATABASE_MIGRATION_URL: ");
            assertThat(tableCount(harness.superuserUrl)).as("tables in the database").isZero();
        }
    }

    @Test
    void withMigrationsTurnedOffAnOutdatedSchemaIsRefused() {
        try (Harness harness = new Harness(TestDatabase.shared().createDatabase(), false)) {
            harness.installWithMainBranchPolicy("ci");
            harness.env.put("DATABASE_MIGRATE", "false");

            assertThatThrownBy(harness::start).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("DATABASE_MIGRATE: ")
                    .hasMessageContaining("run octo-sts migrate");
        }
    }

    @Test
    void aSchemaMigratedBeforeTheRuntimeLoginCouldReadItsVersionNeedsOneMoreMigrateRun() throws SQLException {
        try (Harness harness = new Harness(TestDatabase.shared().createDatabase())) {
            harness.installWithMainBranchPolicy("ci");
            harness.env.remove("DATABASE_MIGRATION_URL");
            // As left by a release whose migrations did not grant the runtime role the version history.
            sql(harness.ownerUrl, "REVOKE SELECT ON flyway_schema_history FROM octo_sts_runtime");

            assertThatThrownBy(harness::start).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("DATABASE_MIGRATION_URL: ")
                    .hasMessageContaining("version cannot be read")
                    .hasMessageContaining("flyway_schema_history")
                    .hasMessageContaining("run octo-sts migrate")
                    .satisfies(error -> assertThat(error.getMessage()).doesNotContain("\n"));

            assertThat(dev.octosts.ledger.Migrations.migrate(harness.ownerUrl)).isZero();
            harness.start();
            assertThat(exchange(harness)).isEqualTo(200);
        }
    }

    private static void assertRefused(Harness harness, String problem) {
        assertThatThrownBy(harness::start).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("DATABASE_URL: ")
                .hasMessageContaining(problem)
                .hasMessageContaining("LEDGER_ALLOW_PRIVILEGED_LOGIN")
                .satisfies(error -> assertThat(error.getMessage()).doesNotContain("\n").doesNotContain("password"));
        assertThat(harness.github.issuedTokens()).isEmpty();
    }

    private static int exchange(Harness harness) {
        String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
        return harness.get(token, Map.of("scope", "org/repo", "identity", "ci")).status();
    }

    private static List<String> warnings(CapturedLogs logs) {
        return logs.lines().stream().filter(line -> line.contains("LEDGER_ALLOW_PRIVILEGED_LOGIN")).toList();
    }

    private static void sql(String url, String statement) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement()) {
            sql.execute(statement);
        }
    }

    private static long tableCount(String url) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
