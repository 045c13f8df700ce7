package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.keys.PemKeys;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.LedgerArchive;
import dev.octosts.ledger.LedgerVerifierFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code octo-sts audit archive} and {@code audit verify --archive} over a real PostgreSQL: the archive of two
 * November chains verifies offline; an edited line, a dropped line, an edited manifest and a manifest taken
 * from another archive are each caught.
 */
class AuditArchiveCommandTest {
    private static final UUID A = LedgerVerifierFixture.A;
    private static final UUID B = LedgerVerifierFixture.B;
    private static final Instant DECEMBER = Instant.parse("2026-12-02T08:00:00Z");
    @TempDir
    static Path keys;
    private static Path keyFile;
    private static CheckpointSigner signer;
    private static LedgerVerifierFixture ledger;
    @TempDir
    Path work;

    @BeforeAll
    static void ledger() throws IOException {
        keyFile = Files.writeString(keys.resolve("ledger.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());
        signer = new CheckpointSigner(PemKeys.fromFile(keyFile));
        // November: A seq 1-5 (checkpoint at 5), B seq 1-3 (checkpoint at 3); December: A seq 6-7.
        ledger = LedgerVerifierFixture.twoChains(signer);
        ledger.append(A, List.of(LedgerVerifierFixture.allowed(DECEMBER, "acme/app", "repo:acme/app:ref:refs/heads/main"),
                LedgerVerifierFixture.allowed(DECEMBER.plusSeconds(1), "acme/app", "repo:acme/app:ref:refs/heads/main")));
    }

    private static Map<String, String> env() {
        return Map.of("DATABASE_URL", ledger.runtimeUrl(), "LEDGER_SIGNING_KEY_FILE", keyFile.toString());
    }

    /** Without DATABASE_URL: verifying an archive reads no database. */
    private static AuditCommandRun verifyArchive(Path archive) {
        return AuditCommandRun.run(Map.of("LEDGER_SIGNING_KEY_FILE", keyFile.toString()), Clock.systemUTC(),
                "verify", "--archive", archive.toString());
    }

    private Path archive(String name, String before) {
        Path out = work.resolve(name);
        AuditCommandRun run = AuditCommandRun.run(env(), Clock.systemUTC(), "archive", "--before", before, "--out", out.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        return out;
    }

    private static Path chainFile(Path archive, UUID chain) {
        return archive.resolve("chain-" + chain + ".jsonl");
    }

    @Test
    void theRecordsBeforeAMonthAreArchivedPerChainAndVerifyOffline() throws IOException {
        AuditCommandRun run = AuditCommandRun.run(env(), Clock.systemUTC(), "archive", "--before", "2026-12",
                "--out", work.resolve("nov").toString());
        Path archive = work.resolve("nov");

        assertThat(run.lines()).containsExactly("archived 8 records of 2 chains before 2026-12-01T00:00:00Z in " + archive);
        assertThat(Files.readAllLines(chainFile(archive, A))).hasSize(5)
                .allSatisfy(line -> assertThat(line).contains("\"chain_id\":\"" + A + "\"").contains("\"prev_hash\":\""));
        assertThat(Files.readAllLines(chainFile(archive, B))).hasSize(3);
        AuditCommandRun verify = verifyArchive(archive);
        assertThat(verify.lines()).containsExactly(
                "verified archive of 8 records in 2 chains, 2 checkpoints, before 2026-12-01T00:00:00Z");
        assertThat(verify.exit()).isZero();
    }

    @Test
    void anRfc3339CutArchivesOnlyTheRecordsBeforeIt() {
        Path archive = archive("early", "2026-11-27T10:00:03Z");

        LedgerArchive.Report report = LedgerArchive.verify(archive, List.of(signer.publicKey()));

        assertThat(report.problem()).isEmpty();
        assertThat(report.manifest().chains()).singleElement().satisfies(chain -> {
            assertThat(chain.chainId()).isEqualTo(A);
            assertThat(chain.firstSeq()).isEqualTo(1);
            assertThat(chain.lastSeq()).isEqualTo(3);
            assertThat(chain.checkpoints()).isEmpty();
        });
    }

    @Test
    void anEditedLineIsCaught() throws IOException {
        Path archive = archive("nov", "2026-12");
        Path file = chainFile(archive, A);
        String text = Files.readString(file);
        Files.writeString(file, text.replace("\"decision\":\"deny\"", "\"decision\":\"allow\""));
        assertThat(Files.readString(file)).isNotEqualTo(text);

        AuditCommandRun verify = verifyArchive(archive);

        assertThat(verify.lines()).containsExactly("archive verification failed: chain " + A
                + ": seq 3 (line 3): hash is not the SHA-256 of prev_hash and the record: the record was changed");
        assertThat(verify.exit()).isEqualTo(1);
    }

    @Test
    void aDroppedLineIsCaught() throws IOException {
        Path archive = archive("nov", "2026-12");
        List<String> lines = new ArrayList<>(Files.readAllLines(chainFile(archive, B)));
        lines.remove(1);
        Files.write(chainFile(archive, B), lines);

        AuditCommandRun verify = verifyArchive(archive);

        assertThat(verify.lines()).containsExactly("archive verification failed: chain " + B + ": seq 2 (line 2): the line holds seq 3:"
                + " a record was dropped, added or reordered");
        assertThat(verify.exit()).isEqualTo(1);
    }

    @Test
    void aDroppedLastLineIsCaughtByTheSignedManifest() throws IOException {
        Path archive = archive("nov", "2026-12");
        List<String> lines = new ArrayList<>(Files.readAllLines(chainFile(archive, B)));
        lines.removeLast();
        Files.write(chainFile(archive, B), lines);

        AuditCommandRun verify = verifyArchive(archive);

        assertThat(verify.lines()).containsExactly("archive verification failed: chain " + B
                + ": the file holds 2 records up to seq 2, the manifest names 3 records up to seq 3");
        assertThat(verify.exit()).isEqualTo(1);
    }

    @Test
    void anEditedManifestIsCaught() throws IOException {
        Path archive = archive("nov", "2026-12");
        Path manifest = archive.resolve(LedgerArchive.MANIFEST);
        String[] parts = Files.readString(manifest).strip().split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String edited = payload.replace("\"records\":3", "\"records\":2");
        assertThat(edited).isNotEqualTo(payload);
        Files.writeString(manifest, parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(edited.getBytes(StandardCharsets.UTF_8)) + "." + parts[2]);

        AuditCommandRun verify = verifyArchive(archive);

        assertThat(verify.lines()).containsExactly("archive verification failed: manifest.jws is not a valid archive"
                + " manifest: the signature does not verify under key " + signer.keyId());
        assertThat(verify.exit()).isEqualTo(1);
    }

    @Test
    void aManifestSwappedInFromAnotherArchiveIsCaught() throws IOException {
        Path archive = archive("nov", "2026-12");
        Path other = archive("early", "2026-11-27T10:00:03Z");
        for (String name : List.of(LedgerArchive.MANIFEST, LedgerArchive.MANIFEST_JSON)) {
            Files.copy(other.resolve(name), archive.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }

        AuditCommandRun verify = verifyArchive(archive);

        assertThat(verify.lines()).containsExactly("archive verification failed: chain-" + B
                + ".jsonl is not named in the manifest");
        assertThat(verify.exit()).isEqualTo(1);
    }

    @Test
    void aManifestSwappedInFromAnArchiveOfTheSameChainsIsCaught() throws IOException {
        Path archive = archive("nov", "2026-12");
        Path other = archive("early", "2026-11-27T10:00:03Z");
        Files.copy(chainFile(other, A), chainFile(archive, A), StandardCopyOption.REPLACE_EXISTING);

        AuditCommandRun verify = verifyArchive(archive);

        assertThat(verify.lines()).containsExactly("archive verification failed: chain " + A
                + ": the file holds 3 records up to seq 3, the manifest names 5 records up to seq 5");
        assertThat(verify.exit()).isEqualTo(1);
    }

    @Test
    void theReadableManifestMustBeTheSignedOne() throws IOException {
        Path archive = archive("nov", "2026-12");
        Path readable = archive.resolve(LedgerArchive.MANIFEST_JSON);
        Files.writeString(readable, Files.readString(readable).replace("\"records\":3", "\"records\":2"));

        AuditCommandRun verify = verifyArchive(archive);

        assertThat(verify.lines()).containsExactly("archive verification failed: manifest.json is not the payload of the signed manifest.jws");
        assertThat(verify.exit()).isEqualTo(1);
    }

    @Test
    void anArchiveSignedByAnotherKeyIsRefused() throws IOException {
        Path archive = archive("nov", "2026-12");
        Path otherKey = Files.writeString(work.resolve("other.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());

        AuditCommandRun verify = AuditCommandRun.run(Map.of("LEDGER_SIGNING_KEY_FILE", otherKey.toString()),
                Clock.systemUTC(), "verify", "--archive", archive.toString());

        assertThat(verify.out()).startsWith("archive verification failed: manifest.jws is not a valid archive manifest:"
                + " signed with key " + signer.keyId() + ", which is not a trusted ledger key");
        assertThat(verify.exit()).isEqualTo(1);
    }

    @Test
    void aNonEmptyDirectoryOrAFutureCutIsRefused() throws IOException {
        Path archive = archive("nov", "2026-12");

        AuditCommandRun again = AuditCommandRun.run(env(), Clock.systemUTC(), "archive", "--before", "2026-12",
                "--out", archive.toString());
        AuditCommandRun future = AuditCommandRun.run(env(), Clock.systemUTC(), "archive", "--before", "2999-01",
                "--out", work.resolve("future").toString());
        AuditCommandRun garbled = AuditCommandRun.run(env(), Clock.systemUTC(), "archive", "--before", "last week",
                "--out", work.resolve("garbled").toString());

        assertThat(again.err()).contains("is not empty");
        assertThat(future.err()).contains("is in the future");
        assertThat(garbled.err()).contains("--before must be an RFC 3339 time");
        assertThat(List.of(again.exit(), future.exit(), garbled.exit())).containsExactly(2, 2, 2);
        assertThat(Files.exists(work.resolve("future"))).isFalse();
    }
}
