package dev.octosts.ledger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps each signed ledger head as its own file {@code ledger-head-<yyyyMMddTHHmmss.SSSSSS>Z.jws} in a
 * directory (in production a write-once bucket mount), so file names sort by time. A file appears whole
 * or not at all (written to a temporary name, synced, then renamed) and an existing file is never
 * replaced.
 */
public final class AnchorDirectory implements LedgerAnchors.Store {
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String PREFIX = "ledger-head-";
    private static final String SUFFIX = ".jws";

    private final Path directory;

    public AnchorDirectory(Path directory) {
        this.directory = directory;
    }

    @Override
    public void write(LedgerHead head, String signed) {
        Path target = directory.resolve(PREFIX + FILE_TIME.format(head.signedAt()) + SUFFIX);
        Path temporary = null;
        try {
            temporary = Files.createTempFile(directory, ".ledger-head-", ".tmp");
            try (FileChannel file = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                file.write(ByteBuffer.wrap((signed + "\n").getBytes(StandardCharsets.US_ASCII)));
                file.force(true);
            }
            // Without REPLACE_EXISTING the move refuses a target that exists; within one directory it is a rename.
            Files.move(temporary, target);
            temporary = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ledger head " + target + " (" + e.getClass().getSimpleName() + ")", e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // The failure being reported matters more than a leftover temporary file.
                }
            }
        }
    }

    /** The anchor files in {@code directory}, oldest first. */
    public static List<Path> files(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            entries.forEach(files::add);
        }
        files.sort(null);
        return files;
    }
}
