package dev.octosts.cli;

import picocli.CommandLine.Option;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * {@code --before}: where {@code audit archive} cuts the ledger and {@code audit prune} drops it, read in one
 * place so that the two agree on what a cut is.
 */
final class LedgerCut {
    @Option(names = "--before", required = true, paramLabel = "TIME",
            description = "The cut, exclusive: RFC 3339 (2026-11-01T00:00:00Z) or a month (2026-11, its start in UTC);"
                    + " prune takes a month.")
    String before;

    /** The instant records are cut at: an RFC 3339 time, or the start of a month (UTC). */
    Instant instant() {
        try {
            return YearMonth.parse(before).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException notAMonth) {
            try {
                return OffsetDateTime.parse(before).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(
                        "--before must be an RFC 3339 time (2026-11-01T00:00:00Z) or a month (2026-11), not " + before);
            }
        }
    }

    /** The month the ledger is cut at; only a month is one. */
    YearMonth month() {
        try {
            return YearMonth.parse(before);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--before must be a month (2026-11), not " + before);
        }
    }
}
