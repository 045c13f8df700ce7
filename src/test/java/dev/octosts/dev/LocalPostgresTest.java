package dev.octosts.dev;

import dev.octosts.ledger.LedgerLogin;
import dev.octosts.ledger.Migrations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sandbox's ledger database: an owner that migrates, and a service login that can only append. */
class LocalPostgresTest {

    @Test
    void theServiceLoginCannotRewriteTheLedger() throws SQLException {
        try (LocalPostgres postgres = LocalPostgres.start()) {
            LocalPostgres.LedgerLogins logins = postgres.ledgerDatabase();
            assertThat(postgres.ledgerDatabase()).as("a restarted sandbox finds the same logins").isEqualTo(logins);
            assertThat(Migrations.migrate(logins.ownerUrl())).isPositive();

            try (Connection connection = DriverManager.getConnection(logins.runtimeUrl());
                 Statement sql = connection.createStatement()) {
                sql.execute("INSERT INTO ledger_chain VALUES ('00000000-0000-0000-0000-000000000001', now(), 'host', 1)");
                sql.execute("""
                        INSERT INTO ledger_record (chain_id, seq, prev_hash, hash, recorded_at, request_id, decision,
                            grpc_code, reason, scope, identity, canonical)
                        VALUES ('00000000-0000-0000-0000-000000000001', 1, repeat('0', 64), repeat('1', 64), now(), 'r',
                            'deny', 7, 'policy_not_found', 'org/repo', 'ci', '{}')""");
                for (String rewrite : new String[] {
                        "UPDATE ledger_record SET reason = 'ok'",
                        "DELETE FROM ledger_record",
                        "TRUNCATE ledger_record CASCADE"}) {
                    assertThatThrownBy(() -> sql.execute(rewrite)).as(rewrite)
                            .hasMessageContaining("permission denied for table ledger_record");
                }
                for (String alter : new String[] {
                        "ALTER TABLE ledger_record DISABLE TRIGGER ledger_record_append_only",
                        "ALTER TABLE ledger_record OWNER TO octo_sts_app",
                        "DROP TABLE ledger_checkpoint"}) {
                    assertThatThrownBy(() -> sql.execute(alter)).as(alter).hasMessageContaining("must be owner of table");
                }
                assertThat(count(sql, "SELECT count(*) FROM ledger_record")).isEqualTo(1);
            }
            assertThat(inspect(logins.runtimeUrl()).canRewriteLedger()).isFalse();
            LedgerLogin owner = inspect(logins.ownerUrl());
            assertThat(owner.superuser()).isFalse();
            assertThat(owner.owns()).contains("ledger_record");
        }
    }

    @Test
    void theServiceLoginCannotMigrateAndSaysSo() {
        try (LocalPostgres postgres = LocalPostgres.start()) {
            LocalPostgres.LedgerLogins logins = postgres.ledgerDatabase();
            assertThatThrownBy(() -> Migrations.migrate(logins.runtimeUrl())).as("before the schema exists")
                    .isInstanceOf(Migrations.NotOwner.class)
                    .hasMessage("login octo_sts_app does not own the ledger schema, so it cannot migrate it");
            Migrations.migrate(logins.ownerUrl());
            assertThatThrownBy(() -> Migrations.migrate(logins.runtimeUrl())).as("with the schema current")
                    .isInstanceOf(Migrations.NotOwner.class);
            assertThat(Migrations.migrate(logins.ownerUrl())).isZero();
        }
    }

    @Test
    void aKeptDataDirectoryKeepsItsPortAcrossRestarts(@TempDir Path data) {
        Path directory = data.resolve("postgres");
        int port;
        String runtimeUrl;
        try (LocalPostgres first = LocalPostgres.start(directory)) {
            port = first.port();
            runtimeUrl = first.ledgerDatabase().runtimeUrl();
        }
        try (LocalPostgres second = LocalPostgres.start(directory)) {
            assertThat(second.port()).isEqualTo(port);
            assertThat(second.ledgerDatabase().runtimeUrl()).as("an exported DATABASE_URL still works").isEqualTo(runtimeUrl);
        }
    }

    private static LedgerLogin inspect(String url) throws SQLException {
        PGSimpleDataSource database = new PGSimpleDataSource();
        database.setURL(url);
        return LedgerLogin.inspect(database);
    }

    private static long count(Statement sql, String query) throws SQLException {
        try (ResultSet rows = sql.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
