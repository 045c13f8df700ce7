package dev.octosts.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Form bodies read as grpc-gateway (Go's {@code url.ParseQuery}) reads them, over the query's values. */
class ExchangeParametersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ExchangeParameters FROM_QUERY = new ExchangeParameters("q-scope", List.of("q1"), "q-identity");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            scope=org%2Frepo&identity=ci      | org/repo  | q1         | ci
            scope=a+b%20c                     | a b c     | q1         | q-identity
            scope                             | ''        | q1         | q-identity
            scope=                            | ''        | q1         | q-identity
            scopes=&scopes=org%2Fx            | q-scope   | ,org/x     | q-identity
            scope=a=b&&=x&other=1             | a=b       | q1         | q-identity
            identity=one&identity=two         | q-scope   | q1         | two
            ''                                | q-scope   | q1         | q-identity
            """)
    void aFormOverridesTheQueryFieldByField(String body, String scope, String scopes, String identity) {
        List<String> expectedScopes = List.of(scopes.split(",", -1));

        ExchangeParameters read = FROM_QUERY.overriddenBy(ExchangeParameters.FORM, body, JSON);

        assertThat(read).isEqualTo(new ExchangeParameters(scope, expectedScopes, identity));
    }

    @Test
    void aBadEscapeIsRefusedWithAFixedMessage() {
        assertThatThrownBy(() -> FROM_QUERY.overriddenBy(ExchangeParameters.FORM, "scope=%zz&identity=secret", JSON))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("request body is not a valid form");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aLargeBodyWithoutPairsIsReadInOnePass() {
        String body = "a".repeat(Math.toIntExact(StsServer.MAX_PAYLOAD));
        for (int i = 0; i < 200; i++) {
            assertThat(FROM_QUERY.overriddenBy(ExchangeParameters.FORM, body, JSON)).isEqualTo(FROM_QUERY);
        }
    }
}
