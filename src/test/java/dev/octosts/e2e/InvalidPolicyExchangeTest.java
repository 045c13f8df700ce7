package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A policy file that cannot be used grants nothing: each invalid policy of the conformance {@code compile}
 * rows, and policies that do not parse, served from the repository and asked for by a valid token. The
 * answer is NotFound (as {@code exchange_grpc_code_if_served} says), no token is minted for the caller,
 * and the ledger records why.
 */
class InvalidPolicyExchangeTest {
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    private static Harness harness;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.install(0, "org");
        harness.start();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    static Stream<Arguments> invalidCompileRows() throws IOException {
        try (InputStream in = InvalidPolicyExchangeTest.class.getResourceAsStream("/conformance/octo-sts/trust_policy_cases.json")) {
            List<Arguments> rows = new ArrayList<>();
            for (JsonNode row : new ObjectMapper().readTree(in)) {
                if (row.path("kind").asText().equals("compile") && row.path("expect").asText().equals("invalid_policy")) {
                    rows.add(Arguments.argumentSet(row.path("id").asText(), row));
                }
            }
            return rows.stream();
        }
    }

    @Test
    void eightCompileRowsAreInvalid() throws IOException {
        assertThat(invalidCompileRows()).hasSize(8);
    }

    @ParameterizedTest
    @MethodSource("invalidCompileRows")
    void aPolicyThatDoesNotCompileIsNotFound(JsonNode row) {
        assertThat(row.path("exchange_grpc_code_if_served").asText()).isEqualTo("NotFound");
        String identity = "invalid-" + Math.abs(row.path("id").asText().hashCode());
        assertRefused(identity, row.path("policy_yaml").asText(), "compile", "policy_compile_error");
    }

    static Stream<Arguments> unparsable() {
        return Stream.of(
                Arguments.argumentSet("not YAML", "issuer: [unclosed\n"),
                Arguments.argumentSet("a field Octo STS does not know", "issuer: https://token.actions.githubusercontent.com\n"
                        + "subject: " + MAIN + "\nrepositories: [a]\n"),
                Arguments.argumentSet("a list where a map belongs", "- issuer\n- subject\n"),
                Arguments.argumentSet("a list where text belongs", "issuer: https://token.actions.githubusercontent.com\n"
                        + "subject: [" + MAIN + "]\n"));
    }

    @ParameterizedTest
    @MethodSource("unparsable")
    void aPolicyThatDoesNotParseIsNotFound(String yaml) {
        assertRefused("unparsable-" + Math.abs(yaml.hashCode()), yaml, "parse", "policy_parse_error");
    }

    private static void assertRefused(String identity, String yaml, String verb, String reason) {
        harness.putFile("org/repo/.github/chainguard/" + identity + ".sts.yaml", yaml);
        long mintsBefore = mintsForCallers();

        Harness.Response response = harness.get(harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN)),
                Map.of("scope", "org/repo", "identity", identity));

        assertThat(response.status()).as("body %s", response.body()).isEqualTo(404);
        assertThat(response.code()).isEqualTo(5);
        assertThat(response.message()).isEqualTo("unable to " + verb + " trust policy found for \"" + identity + "\"");
        assertThat(mintsForCallers()).as("no token minted for the caller").isEqualTo(mintsBefore);
        String requestId = response.raw().headers().firstValue("X-Request-Id").orElseThrow();
        JsonNode record = harness.records().stream()
                .filter(candidate -> candidate.path("request_id").asText().equals(requestId)).findFirst().orElseThrow();
        assertThat(record.path("decision").asText()).isEqualTo("deny");
        assertThat(record.path("reason").asText()).isEqualTo(reason);
        assertThat(record.path("grpc_code").asInt()).isEqualTo(5);
        assertThat(record.path("policy").path("path").asText()).isEqualTo(".github/chainguard/" + identity + ".sts.yaml");
        assertThat(record.path("policy").path("sha256").asText()).isEqualTo(Harness.sha256Hex(yaml));
        assertThat(record.path("issued").isNull()).isTrue();
    }

    /** Tokens alive at GitHub: the policy read's token is revoked after the read, a caller's would not be. */
    private static long mintsForCallers() {
        return harness.github.issuedTokens().stream().filter(token -> !token.revoked()).count();
    }
}
