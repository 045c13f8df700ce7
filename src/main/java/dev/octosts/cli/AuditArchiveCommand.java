package dev.octosts.cli;

import dev.octosts.ledger.ArchiveManifest;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.LedgerArchive;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code octo-sts audit archive}: the records before a time, per chain, with a manifest signed by the ledger key. */
@Command(name = "archive", mixinStandardHelpOptions = true,
        description = {"Write every record before a time into DIR: one JSON Lines file per chain (db/ledger-record.schema.json)"
                + " and manifest.jws, signed with the ledger key (first and last seq and hash of each chain, its checkpoints).",
                "Check it later, without the database, with `audit verify --archive DIR`."})
final class AuditArchiveCommand extends AuditCommand.Subcommand {

    @Mixin
    LedgerCut cut;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The archive directory: created, or empty.")
    Path out;

    @Override
    public Integer call() {
        CheckpointSigner signer = new CheckpointSigner(audit.ledgerKey("the ledger key that signs the archive's manifest"));
        ArchiveManifest manifest;
        try {
            manifest = LedgerArchive.write(audit.database(), signer, cut.instant(), audit.now(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the archive in " + out, e);
        }
        long records = manifest.chains().stream().mapToLong(ArchiveManifest.Chain::records).sum();
        audit.out().printf("archived %d records of %d chains before %s in %s%n", records, manifest.chains().size(),
                manifest.before(), out);
        return 0;
    }
}
