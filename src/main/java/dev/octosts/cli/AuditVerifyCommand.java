package dev.octosts.cli;

import dev.octosts.ledger.AnchorVerifier;
import dev.octosts.ledger.CheckpointPublicKeys;
import dev.octosts.ledger.LedgerQuery;
import dev.octosts.ledger.ArchiveManifest;
import dev.octosts.ledger.LedgerArchive;
import dev.octosts.ledger.LedgerPrune;
import dev.octosts.ledger.LedgerVerifier;
import dev.octosts.ledger.VerificationReport;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.WindowReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code octo-sts audit verify}: checks every chain and checkpoint; exit 0 when intact, 1 at the first break. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Walk every chain and checkpoint of the ledger, checking each hash and signature.",
                "Prints 'verified N records in C chains, K checkpoints' and exits 0, or names the first broken"
                        + " record and exits 1.",
                "With --since TIME, verifies only the window from TIME, each chain from its last checkpoint before it.",
                "With --anchors DIR, then checks the chains against the signed ledger heads in DIR, naming every"
                        + " chain missing, shorter or different (exit 1)."})
final class AuditVerifyCommand extends AuditCommand.Subcommand {
    private static final long MAX_KEY_FILE_BYTES = 64 * 1024;

    @Option(names = "--public-key", paramLabel = "FILE",
            description = "A trusted ledger public key, as printed by `audit public-key` (PEM or JWK); repeatable."
                    + " Default: the public half of LEDGER_SIGNING_KEY_FILE.")
    List<Path> publicKeyFiles = new ArrayList<>();

    @Option(names = "--anchors", paramLabel = "DIR",
            description = "Also check the database against the signed ledger heads in DIR (LEDGER_ANCHOR_DIR of the"
                    + " service): each anchored chain must exist, reach the anchored seq and hold the anchored hash there.")
    Path anchors;

    @Option(names = "--since", paramLabel = "TIME",
            description = "Verify only the window from TIME (RFC 3339, YYYY-MM-DD as midnight UTC, or back from now"
                    + " like 2d): each chain from its last checkpoint signed at or before TIME (signature checked, its"
                    + " hash trusted), or from its first record when it has none. Records before that checkpoint are"
                    + " not read.")
    String since;

    @Option(names = "--archive", paramLabel = "DIR",
            description = "Verify the archive in DIR (written by `audit archive`) instead of the database, reading no"
                    + " database: each line's hash and link, the manifest's and the checkpoints' signatures.")
    Path archive;

    @Option(names = "--with-database",
            description = "With --archive: also check that the database (DATABASE_URL) was pruned at the archive's cut and"
                    + " its chains continue from the archive's last hashes, so that the two prove the whole history.")
    boolean withDatabase;

    @Override
    public Integer call() {
        Instant windowStart = since == null ? null : windowStart(since, audit.now());
        List<PublicKey> keys = new ArrayList<>();
        for (Path file : publicKeyFiles) {
            keys.add(readPublicKey(file));
        }
        if (keys.isEmpty()) {
            keys.add(audit.ledgerKey("the ledger key whose public half verifies checkpoints (or pass --public-key FILE)").publicKey());
        }
        if (archive != null) {
            return verifyArchive(keys);
        }
        VerificationReport report = windowStart == null ? new LedgerVerifier(audit.database(), keys).verify()
                : verifyWindow(new LedgerVerifier(audit.database(), keys), windowStart);
        if (report.firstProblem().isPresent()) {
            Problem problem = report.firstProblem().get();
            audit.out().printf("verification failed at chain %s seq %d: %s: %s%n", problem.chainId(), problem.seq(),
                    problem.kind().label(), problem.detail());
            return AuditCommand.EXIT_BROKEN;
        }
        audit.out().printf("verified %d records in %d chains, %d checkpoints%n", report.records(), report.chains(),
                report.checkpoints());
        return anchors == null ? 0 : verifyAnchors(keys);
    }

    /** Verifies the window from {@code start}, saying which window it verified. */
    private VerificationReport verifyWindow(LedgerVerifier verifier, Instant start) {
        WindowReport window = verifier.verifySince(start);
        audit.out().printf("window since %s: %d chains from their last checkpoint at or before it, %d from their first"
                + " record%s%n", window.since(), window.chainsFromCheckpoint(), window.chainsFromStart(),
                window.readFrom().map(from -> "; records recorded before " + from + " not read").orElse(""));
        return window.report();
    }

    /** A window's start: a calendar day (midnight UTC) or whatever {@code audit query --since} accepts. */
    static Instant windowStart(String text, Instant now) {
        try {
            return LocalDate.parse(text.strip()).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException notADate) {
            try {
                return LedgerQuery.parseTime(text, now);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--since '" + text + "' is neither an RFC 3339 time like"
                        + " 2026-11-27T10:00:00Z, a day like 2026-11-27, nor a time back from now like 2d");
            }
        }
    }

    private int verifyAnchors(List<PublicKey> keys) {
        AnchorVerifier.Report report;
        try {
            report = new AnchorVerifier(audit.database(), keys).verify(anchors);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list the anchor directory " + anchors + " (" + e.getClass().getSimpleName() + ")");
        }
        if (!report.problems().isEmpty()) {
            for (String problem : report.problems()) {
                audit.out().println("anchor check failed: " + problem);
            }
            return AuditCommand.EXIT_BROKEN;
        }
        audit.out().printf("verified %d chains against %d anchors%n", report.chains(), report.anchors());
        return 0;
    }

    private int verifyArchive(List<PublicKey> keys) {
        LedgerArchive.Report report = LedgerArchive.verify(archive, keys);
        if (report.problem().isPresent()) {
            audit.out().println("archive verification failed: " + report.problem().get());
            return AuditCommand.EXIT_BROKEN;
        }
        audit.out().printf("verified archive of %d records in %d chains, %d checkpoints, before %s%n", report.records(),
                report.chains(), report.checkpoints(), report.manifest().before());
        return withDatabase ? joinDatabase(report.manifest()) : 0;
    }

    private int joinDatabase(ArchiveManifest manifest) {
        List<String> problems;
        try (Connection connection = audit.database().getConnection()) {
            problems = LedgerPrune.joins(connection, manifest);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the ledger database: " + ErrorLine.of(e), e);
        }
        problems.forEach(problem -> audit.out().println("archive does not join the database: " + problem));
        if (!problems.isEmpty()) {
            return AuditCommand.EXIT_BROKEN;
        }
        audit.out().printf("the database's chains continue from the archive's %d chains%n", manifest.chains().size());
        return 0;
    }

    private static PublicKey readPublicKey(Path file) {
        String description = "public key file " + file;
        try {
            if (Files.size(file) > MAX_KEY_FILE_BYTES) {
                throw new IllegalArgumentException(description + " is too large to be a public key");
            }
            return CheckpointPublicKeys.parse(Files.readString(file, StandardCharsets.UTF_8), description);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + description + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
