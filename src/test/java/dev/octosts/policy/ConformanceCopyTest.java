package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The conformance vectors under src/test/resources are a copy of the shared ones next to this checkout
 * ({@code ../shared/conformance/octo-sts}). Where that directory exists, the copies must be equal, so a
 * vector changed there cannot be silently missing here; where it does not (a lone clone, CI), the test
 * is skipped and says so.
 */
class ConformanceCopyTest {
    private static final Path SHARED = Path.of("..", "shared", "conformance", "octo-sts");
    private static final Path COPY = Path.of("src", "test", "resources", "conformance", "octo-sts");

    @Test
    void theCopyEqualsTheSharedVectors() throws IOException {
        assumeTrue(Files.isDirectory(SHARED), () -> "no shared vectors at " + SHARED.toAbsolutePath().normalize()
                + " to compare the copy with");
        List<String> shared = jsonFiles(SHARED);
        assertThat(jsonFiles(COPY)).as("vector files in " + COPY).containsExactlyElementsOf(shared);
        for (String name : shared) {
            assertThat(Files.readString(COPY.resolve(name)))
                    .as("%s differs from %s: copy the shared file over", COPY.resolve(name), SHARED.resolve(name))
                    .isEqualTo(Files.readString(SHARED.resolve(name)));
        }
    }

    @Test
    void theCopyHoldsTheFourVectorFiles() throws IOException {
        assertThat(jsonFiles(COPY)).containsExactly("oidc_validation_cases.json", "org_trusted_issuers_cases.json",
                "trust_policy_cases.json", "webhook_cases.json");
    }

    private static List<String> jsonFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".json")).sorted().toList();
        }
    }
}
