package dev.octosts.oidc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class UnverifiedIssuerTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            both claims                 | {"iss":"https://i.example","sub":"repo:o/r","aud":"x"} | https://i.example | repo:o/r
            only top-level fields count | {"x":{"iss":"https://no","sub":"no"},"sub":"s"}       | null              | s
            a claim that is no string   | {"iss":1,"sub":["a"]}                                | null              | null
            a payload that is no object | ["https://i.example"]                                 | null              | null
            a duplicate claim           | {"iss":"https://a","iss":"https://b"}                 | null              | null
            not JSON                    | {"iss":                                               | null              | null
            """)
    void readsTheTopLevelIssuerAndSubjectOfThePayloadOnly(String name, String payload, String issuer, String subject) {
        String token = part("{\"alg\":\"RS256\"}") + "." + part(payload) + ".c2ln";

        assertThat(UnverifiedIssuer.claimed(token)).isEqualTo(new UnverifiedIssuer.Claimed(issuer, subject));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            no-dots-at-all
            one.dot
            head.not*base64url.sig
            """)
    void aTokenWhosePayloadCannotBeFoundClaimsNothing(String token) {
        assertThat(UnverifiedIssuer.claimed(token)).isEqualTo(new UnverifiedIssuer.Claimed(null, null));
    }

    private static String part(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
