package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code octo-sts policy check} over every policy and allowlist of the conformance data. */
class PolicyCheckCommandTest {
    private static final JsonNode POLICY_CASES = PolicyCommandRun.conformance("trust_policy_cases.json");
    private static final JsonNode ALLOWLIST_CASES =
            PolicyCommandRun.conformance("org_trusted_issuers_cases.json").get("allowlist_cases");

    @TempDir
    Path dir;

    static Stream<Arguments> policyRows() {
        return StreamSupport.stream(POLICY_CASES.spliterator(), false)
                .filter(row -> row.hasNonNull("policy_yaml"))
                .map(row -> Arguments.of(row.get("id").asText(), row));
    }

    static Stream<Arguments> allowlistRows() {
        return StreamSupport.stream(ALLOWLIST_CASES.spliterator(), false)
                .map(row -> Arguments.of(row.get("id").asText(), row));
    }

    @Test
    void allRowsAreCovered() {
        assertThat(policyRows()).hasSize(44);
        assertThat(allowlistRows()).hasSize(106);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policyRows")
    void trustPolicy(String id, JsonNode row) throws IOException {
        Path file = Files.writeString(dir.resolve(PolicyCommandRun.fileName(id) + ".sts.yaml"), row.get("policy_yaml").asText());

        PolicyCommandRun run = row.get("org_policy").asBoolean()
                ? PolicyCommandRun.run("check", "--org", file.toString())
                : PolicyCommandRun.run("check", file.toString());

        assertThat(run.err()).isEmpty();
        if (!row.get("expect").asText().equals("invalid_policy")) {
            assertThat(run.out()).isEqualTo(file + ": ok" + System.lineSeparator());
            assertThat(run.exit()).isZero();
            return;
        }
        String exact = row.path("compile_error_exact").asText(null);
        String message = exact != null ? exact : row.get("compile_error_prefix").asText();
        assertThat(run.lines()).singleElement().asString().matches(
                java.util.regex.Pattern.quote(file.toString()) + "(:\\d+)?: " + java.util.regex.Pattern.quote(message)
                        + (exact != null ? "" : ".*"));
        assertThat(run.exit()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allowlistRows")
    void allowlist(String id, JsonNode row) throws IOException {
        Path file = Files.writeString(Files.createDirectories(dir.resolve(PolicyCommandRun.fileName(id)))
                .resolve("trusted-token-issuers.yaml"), row.get("allowlist_yaml").asText());

        PolicyCommandRun run = PolicyCommandRun.run("check", file.toString());

        if (row.get("valid").asBoolean()) {
            assertThat(run.out()).isEqualTo(file + ": ok" + System.lineSeparator());
            assertThat(run.exit()).isZero();
            return;
        }
        assertThat(run.lines()).singleElement().asString().startsWith(file.toString() + ":");
        for (JsonNode part : row.get("error_contains")) {
            assertThat(run.out()).contains(part.asText().replaceAll("\\s*\\n\\s*", " "));
        }
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void printsTheLineOfEachProblemAndExitsOneWhenAnyFileIsInvalid() throws IOException {
        Path good = Files.writeString(dir.resolve("good.sts.yaml"), "issuer: https://a.example\nsubject: s\n");
        Path badPattern = Files.writeString(dir.resolve("ci.sts.yaml"),
                "issuer: https://token.actions.githubusercontent.com\n\npermissions: {contents: read}\nsubject_pattern: 'repo:org/(app'\n");
        Path duplicate = Files.writeString(dir.resolve("dup.sts.yaml"), "issuer: https://a.example\nsubject: s\nsubject: t\n");
        Path unknownKey = Files.writeString(dir.resolve("typo.sts.yaml"), "issuer: https://a.example\nsubject: s\naudiance: x\n");

        PolicyCommandRun run = PolicyCommandRun.run("check", good.toString(), badPattern.toString(), duplicate.toString(),
                unknownKey.toString());

        assertThat(run.lines()).containsExactly(
                good + ": ok",
                badPattern + ":4: error parsing regexp: missing closing ): `repo:org/(app`",
                duplicate + ":3: error converting YAML to JSON: yaml: unmarshal errors: line 3: key \"subject\" already set in map",
                unknownKey + ":3: error unmarshaling JSON: json: unknown field \"audiance\"");
        assertThat(run.exit()).isEqualTo(1);
    }

    @Test
    void orgPoliciesMayListRepositoriesOnlyWithOrg() throws IOException {
        Path file = Files.writeString(dir.resolve("org.sts.yaml"), "issuer: https://a.example\nsubject: s\nrepositories:\n  - app\n");

        assertThat(PolicyCommandRun.run("check", "--org", file.toString()).exit()).isZero();
        PolicyCommandRun asRepoPolicy = PolicyCommandRun.run("check", file.toString());
        assertThat(asRepoPolicy.lines()).containsExactly(
                file + ":3: error unmarshaling JSON: json: unknown field \"repositories\"",
                file + ": hint: it is a valid org policy (in the org policy repository): check it with --org");
        assertThat(asRepoPolicy.exit()).isEqualTo(1);
    }

    @Test
    void aDirectoryStandsForItsPolicyFiles() throws IOException {
        Path chainguard = Files.createDirectories(dir.resolve(".github/chainguard"));
        Path good = Files.writeString(chainguard.resolve("a.sts.yaml"), "issuer: https://a.example\nsubject: s\n");
        Path bad = Files.writeString(chainguard.resolve("b.sts.yaml"), "issuer: https://a.example\n");
        Path allowlist = Files.writeString(chainguard.resolve(PolicyCheckCommand.ALLOWLIST_FILE_NAME), "mode: enforce\nissuers:\n  - https://a.example\n");
        Files.writeString(chainguard.resolve("README.md"), "not a policy");

        PolicyCommandRun run = PolicyCommandRun.run("check", chainguard.toString());

        assertThat(run.err()).isEmpty();
        assertThat(run.lines()).containsExactly(good + ": ok",
                bad + ": trust policy: one of subject or subject_pattern must be set, got neither", allowlist + ": ok");
        assertThat(run.exit()).isEqualTo(1);
        PolicyCommandRun empty = PolicyCommandRun.run("check", Files.createDirectories(dir.resolve("empty")).toString());
        assertThat(empty.err()).startsWith("octo-sts policy: " + dir.resolve("empty") + ": no policy files");
        assertThat(empty.exit()).isEqualTo(2);
    }

    @Test
    void anUnreadableFileExitsTwoAfterCheckingTheOthers() throws IOException {
        Path good = Files.writeString(dir.resolve("good.sts.yaml"), "issuer: https://a.example\nsubject: s\n");
        Path bad = Files.writeString(dir.resolve("bad.sts.yaml"), "issuer: https://a.example\n");
        Path missing = dir.resolve("missing.sts.yaml");

        PolicyCommandRun run = PolicyCommandRun.run("check", missing.toString(), good.toString(), bad.toString());

        assertThat(run.err()).isEqualTo("octo-sts policy: cannot read " + missing + " (NoSuchFileException)" + System.lineSeparator());
        assertThat(run.lines()).containsExactly(good + ": ok",
                bad + ": trust policy: one of subject or subject_pattern must be set, got neither");
        assertThat(run.exit()).isEqualTo(2);
    }

    @Test
    void aFileTooLargeForTheExchangeIsInvalid() throws IOException {
        Path big = Files.writeString(dir.resolve("big.sts.yaml"), "# " + "x".repeat(70_000) + "\n");

        PolicyCommandRun run = PolicyCommandRun.run("check", big.toString());

        assertThat(run.out()).isEqualTo(big + ": document too large (max 65536 bytes)" + System.lineSeparator());
        assertThat(run.exit()).isEqualTo(1);
    }
}
