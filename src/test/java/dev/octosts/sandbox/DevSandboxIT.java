package dev.octosts.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's first command, as a user runs it: {@code java -jar target/octo-sts.jar dev} brings up the
 * sandbox, the {@code curl} it prints returns a token, and the ledger holds the exchange's record; the
 * org-only organization's commands show its repository scope refused and its org scope answered.
 */
class DevSandboxIT {
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    Path dataDir;

    @Test
    void thePrintedCurlReturnsATokenAndTheLedgerShowsItsRecord() throws Exception {
        Process sandbox = new ProcessBuilder(JAVA.toString(), "-jar", "target/octo-sts.jar", "dev", "--port", "0",
                "--admin-port", "0", "--data-dir", dataDir.toString()).redirectErrorStream(true).start();
        try {
            List<String> printed = readUntil(sandbox, "Press Ctrl-C to stop.");
            String curl = commandAfter(printed, "curl ");
            assertThat(printed).anySatisfy(line -> assertThat(line)
                    .matches("  audit console: +http://localhost:[0-9]+/console/ \\(sign in as auditor@example.com\\)"));
            assertThat(printed).anySatisfy(line -> assertThat(line).matches("  example traffic: +3 exchange\\(s\\) issued, 5 refused at start"));
            String exports = printed.stream().filter(line -> line.startsWith("export DATABASE_URL=")).findFirst()
                    .orElseThrow(() -> new AssertionError("no ledger instructions in " + printed));

            String answer = bash(curl);
            JsonNode token = new ObjectMapper().readTree(answer);
            assertThat(token.path("token").asText()).as(answer).startsWith("ghs_");
            assertThat(token.path("expiry").asText()).isNotEmpty();

            String records = bash(exports + "\n" + JAVA + " -jar target/octo-sts.jar audit query --format json");
            // The curl's exchange, after the sandbox's example traffic (3 issued, 5 refused).
            String issuedSha256 = sha256Hex(token.path("token").asText());
            assertThat(records.lines().filter(line -> line.startsWith("{")).map(DevSandboxIT::json)
                    .filter(record -> record.path("decision").asText().equals("allow")))
                    .hasSize(4)
                    .filteredOn(record -> record.path("issued").path("token_sha256").asText()
                            .equals(issuedSha256))
                    .hasSize(1);
            assertThat(bash(exports + "\n" + JAVA + " -jar target/octo-sts.jar audit verify"))
                    .contains("verified 9 records in 1 chains");

            // The admin listener's curls, as printed: an audit reader of the sandbox's own issuer reads the ledger.
            String reader = printed.stream().filter(line -> line.startsWith("READER_TOKEN=")).findFirst()
                    .orElseThrow(() -> new AssertionError("no audit reader instructions in " + printed));
            String readRecords = printed.stream().filter(line -> line.startsWith("curl ") && line.contains("/audit/records"))
                    .findFirst().orElseThrow(() -> new AssertionError("no /audit/records curl in " + printed));
            assertThat(bash(reader + "\n" + readRecords).lines().map(DevSandboxIT::json))
                    .anySatisfy(record -> assertThat(record.path("decision").asText()).isEqualTo("allow"));

            // dev token: a token with chosen claims; a subject the example policy does not trust is refused.
            String stranger = bash(JAVA + " -jar target/octo-sts.jar dev token --data-dir " + dataDir
                    + " --sub repo:example-org/example-repo:pull_request --claim event_name=pull_request").strip();
            String refused = bash(curl.replaceFirst("Bearer [^']*'", "Bearer " + stranger + "'"));
            assertThat(json(refused).path("code").asInt()).as(refused).isEqualTo(7);
            String main = bash(JAVA + " -jar target/octo-sts.jar dev token --data-dir " + dataDir
                    + " --sub repo:example-org/example-repo:ref:refs/heads/main").strip();
            assertThat(json(bash(curl.replaceFirst("Bearer [^']*'", "Bearer " + main + "'"))).path("token").asText())
                    .startsWith("ghs_");

            // The second curl: one token for both example repositories, with the permissions both policies grant.
            String several = commandAfter(printed.stream().dropWhile(line -> !line.startsWith("One token for two"))
                    .toList(), "curl ");
            assertThat(several).contains("scopes=example-org/example-repo&scopes=example-org/example-lib");
            String both = json(bash(several)).path("token").asText();
            assertThat(both).startsWith("ghs_");
            String last = bash(exports + "\n" + JAVA + " -jar target/octo-sts.jar audit query --format json"
                    + " --token-sha256 " + sha256Hex(both));
            JsonNode record = json(last.lines().filter(line -> line.startsWith("{")).findFirst().orElseThrow());
            assertThat(record.path("issued").path("repositories").toString())
                    .isEqualTo("[\"example-repo\",\"example-lib\"]");
            assertThat(record.path("grant").path("permissions").toString())
                    .isEqualTo("{\"contents\":\"read\",\"issues\":\"read\"}");

            // Org-only mode, as the banner shows it: example-strict-org refuses its repository scope, answers its org scope.
            String strictToken = printed.stream().filter(line -> line.startsWith("T=$(")).findFirst()
                    .orElseThrow(() -> new AssertionError("no org-only commands in " + printed));
            List<String> strictCurls = printed.stream()
                    .filter(line -> line.startsWith("curl ") && line.contains("example-strict-org")).toList();
            assertThat(strictCurls).hasSize(2);
            String repositoryScope = bash(strictToken + "\n" + strictCurls.get(0));
            assertThat(json(repositoryScope).path("message").asText()).as(repositoryScope)
                    .isEqualTo("organization \"example-strict-org\" has disabled repository policies: only its org policies apply");
            assertThat(json(bash(strictToken + "\n" + strictCurls.get(1))).path("token").asText()).startsWith("ghs_");
        } finally {
            sandbox.destroy();
            assertThat(sandbox.waitFor(30, TimeUnit.SECONDS)).as("Ctrl-C/SIGTERM stops the sandbox").isTrue();
        }
    }

    /** The printed command, joined across its backslash-continued lines. */
    private static String commandAfter(List<String> lines, String start) {
        StringBuilder command = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(start)) {
                for (int j = i; j < lines.size(); j++) {
                    String line = lines.get(j);
                    command.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) : line);
                    if (!line.endsWith("\\")) {
                        return command.toString();
                    }
                }
            }
        }
        throw new AssertionError("no '" + start + "' line in " + lines);
    }

    private static List<String> readUntil(Process process, String last) throws IOException {
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line; (line = output.readLine()) != null; ) {
            lines.add(line);
            if (line.contains(last)) {
                Thread.ofVirtual().start(() -> {
                    try {
                        output.lines().forEach(ignored -> { });
                    } catch (java.io.UncheckedIOException closed) {
                        // the process ended
                    }
                });
                return lines;
            }
        }
        throw new AssertionError("the sandbox ended before it was ready: " + lines);
    }

    private static String bash(String script) throws Exception {
        Process process = new ProcessBuilder("bash", "-c", script).redirectErrorStream(false).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s%n%s", script, new String(process.getErrorStream().readAllBytes(),
                StandardCharsets.UTF_8)).isZero();
        return out;
    }

    private static JsonNode json(String line) {
        try {
            return new ObjectMapper().readTree(line);
        } catch (IOException e) {
            throw new AssertionError(line, e);
        }
    }

    private static String sha256Hex(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
