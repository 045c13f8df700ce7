package dev.octosts.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenExchangeParametersTest {

    private static List<Map.Entry<String, String>> form(String resource, String scope) {
        return List.of(Map.entry("grant_type", TokenExchangeParameters.GRANT_TYPE), Map.entry("subject_token", "t"),
                Map.entry("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"), Map.entry("resource", resource),
                Map.entry("scope", scope));
    }

    @ParameterizedTest
    @CsvSource({"org/repo, org/repo", "org, org", "https://github.com/org/repo, org/repo", "https://github.com/org, org"})
    void resourcesBecomeScopes(String resource, String scope) {
        TokenExchangeParameters params = TokenExchangeParameters.parse(form(resource, "identity:ci contents:read"));

        assertThat(params.scopes()).containsExactly(scope);
        assertThat(params.identity()).isEqualTo("ci");
        assertThat(params.permissions()).isEqualTo(Map.of("contents", "read"));
    }

    @ParameterizedTest
    @CsvSource({"org/repo/extra", "https://github.com/org/repo/tree/main", "https://github.com:8443/org/repo",
            "https://github.com/org/repo?x=1", "http://github.com/org/repo", "../org", "''"})
    void otherResourcesAreInvalidTargets(String resource) {
        assertThatThrownBy(() -> TokenExchangeParameters.parse(form(resource, "identity:ci")))
                .isInstanceOfSatisfying(TokenExchangeParameters.Refused.class, refused -> {
                    assertThat(refused.error()).isEqualTo("invalid_target");
                    assertThat(refused.getMessage()).isEqualTo("resource must be org/repo, org or https://github.com/org/repo");
                });
    }

    @ParameterizedTest
    @CsvSource({"contents:read", "identity:ci identity:ci", "identity:ci contents", "identity:ci contents:read contents:write",
            "identity:../x"})
    void malformedScopesAreInvalidScope(String scope) {
        assertThatThrownBy(() -> TokenExchangeParameters.parse(form("org/repo", scope)))
                .isInstanceOfSatisfying(TokenExchangeParameters.Refused.class,
                        refused -> assertThat(refused.error()).isEqualTo("invalid_scope"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            unable to find trust policy for "ci" | unable to find trust policy for 'ci'
            a\\b é                               | a?b ?
            """)
    void descriptionsStayInsideRfc6749sCharacters(String message, String description) {
        assertThat(TokenExchangeHandler.describable(message)).isEqualTo(description);
    }
}
