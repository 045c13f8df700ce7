package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.dev.LocalPostgres.LedgerLogins;
import dev.octosts.ledger.Migrations;
import dev.octosts.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code octo-sts ledger maintain} over a real PostgreSQL, as the owner login and as the service's login. */
class LedgerMaintainCommandTest {
    private static final Clock JUNE_2030 = Clock.fixed(Instant.parse("2030-06-10T09:00:00Z"), ZoneOffset.UTC);

    @Test
    void makesTheComingMonthsAsTheOwnerAndNothingMoreTheSecondTime() {
        LedgerLogins logins = TestDatabase.shared().createLedgerDatabase();
        Migrations.migrate(logins.ownerUrl());
        Map<String, String> env = Map.of("DATABASE_MIGRATION_URL", logins.ownerUrl(), "DATABASE_URL", logins.runtimeUrl());

        Run first = run(env, "maintain", "--months-ahead", "2");
        Run second = run(env, "maintain", "--months-ahead", "2");

        assertThat(first.exit()).isZero();
        assertThat(first.out()).isEqualTo("made partitions ledger_record_2030_06, ledger_record_2030_07, ledger_record_2030_08"
                + System.lineSeparator());
        assertThat(second.exit()).isZero();
        assertThat(second.out()).isEqualTo("no partition to make" + System.lineSeparator());
    }

    @Test
    void theServicesLoginMayNotMakePartitions() {
        LedgerLogins logins = TestDatabase.shared().createLedgerDatabase();
        Migrations.migrate(logins.ownerUrl());

        Run run = run(Map.of("DATABASE_URL", logins.runtimeUrl()), "maintain");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("octo-sts ledger: maintenance failed (DATABASE_URL): ")
                .contains("permission denied").doesNotContain(logins.runtimeUrl());
    }

    @Test
    void aMissingUrlOrABadOptionIsOneLineAndExitTwo() {
        Run missing = run(Map.of(), "maintain");
        Run notPostgres = run(Map.of("DATABASE_MIGRATION_URL", "jdbc:mysql://db/ledger"), "maintain");
        Run tooFar = run(Map.of("DATABASE_MIGRATION_URL", "jdbc:postgresql://db/ledger"), "maintain", "--months-ahead", "99");

        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("octo-sts ledger: configuration error: DATABASE_MIGRATION_URL or DATABASE_URL"
                + " must be a PostgreSQL JDBC URL" + System.lineSeparator());
        assertThat(notPostgres.exit()).isEqualTo(2);
        assertThat(tooFar.exit()).isEqualTo(2);
        assertThat(tooFar.err()).contains("--months-ahead must be 0 to 24");
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cli = new CommandLine(new LedgerCommand(env, outStream, errStream, JUNE_2030));
        cli.setOut(new PrintWriter(outStream, true));
        cli.setErr(new PrintWriter(errStream, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
