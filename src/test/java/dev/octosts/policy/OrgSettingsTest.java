package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code org-settings.yaml}: what the exchange reads from it, what it refuses, and its JSON Schema agreeing. */
class OrgSettingsTest {
    private static final JsonSchemaSubset SCHEMA = schema();

    private static JsonSchemaSubset schema() {
        try {
            return new JsonSchemaSubset(Conformance.JSON.readTree(Files.readString(Path.of("schemas", "org-settings.schema.json"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            ~repository_policies: disabled~                 | false
            ~repository_policies: enabled~                  | true
            ~Repository_Policies: disabled~                 | false
            ~# only org policies count\\nrepository_policies: 'disabled'~ | false
            ~~                                              | true
            ~repository_policies:~                          | true
            """)
    void validFiles(String yaml, boolean repositoryPolicies) throws PolicyException {
        String text = yaml.replace("\\n", "\n");

        assertThat(OrgSettings.parse(text).repositoryPolicies()).isEqualTo(repositoryPolicies);
        assertThat(PolicyFileCheck.check(text, PolicyFileCheck.Kind.ORG_SETTINGS)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            ~repository_policies: off~                      | unknown_setting_value | 1 | parsing organization settings: unknown repository_policies "false" (want "enabled" or "disabled")
            ~repository_policies: Disabled~                 | unknown_setting_value | 1 | parsing organization settings: unknown repository_policies "Disabled" (want "enabled" or "disabled")
            ~# x\\nrepository_policy: disabled~             | unknown_field         | 2 | parsing organization settings: error unmarshaling JSON: json: unknown field "repository_policy"
            ~repository_policies: [disabled]~               | wrong_type            | 1 | parsing organization settings: error unmarshaling JSON: json: cannot unmarshal array into Go struct field OrgSettings.repository_policies of type string
            ~- repository_policies~                         | wrong_type            |   | parsing organization settings: error unmarshaling JSON: json: cannot unmarshal array into Go value of type octosts.OrgSettings
            """)
    void invalidFilesAreRefusedWhereTheProblemIs(String yaml, String reason, Integer line, String message) throws PolicyException {
        String text = yaml.replace("\\n", "\n");

        PolicyException e = catchThrowableOfType(PolicyException.class, () -> OrgSettings.parse(text));
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.getMessage()).isEqualTo(message);
        PolicyFileCheck.Problem problem = PolicyFileCheck.check(text, PolicyFileCheck.Kind.ORG_SETTINGS).orElseThrow();
        assertThat(problem.line()).isEqualTo(line == null ? OptionalInt.empty() : OptionalInt.of(line));
        assertThat(SCHEMA.validate(tree(text))).as("the schema refuses it too").isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            ~repository_policies: disabled~
            ~repository_policies: enabled~
            ~{}~
            """)
    void theSchemaAcceptsValidFiles(String yaml) throws PolicyException {
        assertThat(SCHEMA.validate(tree(yaml))).isEmpty();
    }

    private static JsonNode tree(String yaml) throws PolicyException {
        return Conformance.JSON.valueToTree(YamlTree.parse(yaml));
    }
}
