package dev.octosts.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.ledger.LedgerExport;
import dev.octosts.ledger.LedgerQuery;
import java.io.UncheckedIOException;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code octo-sts audit export}: JSON lines in the export shape, oldest first, for a SIEM. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Print the records of a time range as JSON lines (db/ledger-record.schema.json), oldest first.")
final class AuditExportCommand extends AuditCommand.Subcommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--since", required = true, paramLabel = "TIME",
            description = "First record time, inclusive: RFC 3339 (2026-11-27T10:00:00Z) or back from now (24h, 7d).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Last record time, exclusive (default: now and later).")
    String until;

    @Override
    public Integer call() {
        Instant from = LedgerQuery.parseTime(since, audit.now());
        Instant to = until == null ? null : LedgerQuery.parseTime(until, audit.now());
        new LedgerExport(audit.database()).export(from, to, row -> {
            try {
                audit.out().println(JSON.writeValueAsString(row));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        });
        return 0;
    }
}
