package dev.octosts.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.testing.FuzzArbitraries;
import io.helidon.common.uri.UriQuery;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Fuzzing how an exchange request's {@code scope}, {@code scopes} and {@code identity} are read from the query,
 * a form or a JSON body: any input gives parameters or an {@link IllegalArgumentException} with one of the
 * fixed messages (nothing echoed), and values a client encodes correctly come back exactly.
 */
class ExchangeParametersFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MESSAGES = Set.of("request body is not valid JSON",
            "request body must be a JSON object", "scopes must be a list of strings", "scope must be a string",
            "identity must be a string", "request body is not a valid form",
            "unsupported content type; send application/x-www-form-urlencoded or application/json");
    private static final List<String> NAMES = List.of("scope", "scopes", "identity", "Scope", "scope ", "");
    private static final String QUERY_CHARS = "=&%+;#?/:@!$'()*,.-_~ aZ09\u0000\u00e9\ud800";

    /** One generated request: a raw query, a body of some content type, or values a client encodes correctly. */
    private sealed interface Case {
        record Query(String raw) implements Case {
        }

        record Body(String contentType, String body) implements Case {
        }

        record Encoded(String scope, List<String> scopes, String identity) implements Case {
        }
    }

    @Property
    void anyParametersAreReadOrRefusedWithAFixedMessage(@ForAll("parametersCase") Case input) throws Exception {
        switch (input) {
            case Case.Query(String raw) -> anyQueryIsReadOrRefused(raw);
            case Case.Body(String contentType, String body) -> anyBodyIsReadOrRefused(contentType, body);
            case Case.Encoded(String scope, List<String> scopes, String identity) ->
                    valuesAClientEncodesComeBackExactly(scope, scopes, identity);
        }
    }

    @Provide
    Arbitrary<Case> parametersCase() {
        return Arbitraries.oneOf(rawQuery().map(Case.Query::new),
                Combinators.combine(contentType(), body()).as(Case.Body::new),
                Combinators.combine(value(), value().list().ofMaxSize(4), value()).as(Case.Encoded::new));
    }

    private static void anyQueryIsReadOrRefused(String rawQuery) {
        try {
            ExchangeParameters read = ExchangeParameters.fromQuery(UriQuery.create(rawQuery));
            assertThat(read.scopes()).doesNotContainNull();
        } catch (IllegalArgumentException refused) {
            // Helidon's own query decoding refuses bad escapes; the handler records the request as malformed.
            assertThat(refused.getMessage()).isNotNull();
        }
    }

    private static void anyBodyIsReadOrRefused(String contentType, String body) {
        ExchangeParameters fromQuery = new ExchangeParameters("q-scope", List.of("q-scopes"), "q-identity");
        try {
            ExchangeParameters read = fromQuery.overriddenBy(contentType, body, JSON);
            assertThat(read.scope()).isNotNull();
            assertThat(read.identity()).isNotNull();
            assertThat(read.scopes()).doesNotContainNull();
        } catch (IllegalArgumentException refused) {
            assertThat(MESSAGES).contains(refused.getMessage());
        }
    }

    private static void valuesAClientEncodesComeBackExactly(String scope, List<String> scopes, String identity)
            throws Exception {
        String query = "scope=" + enc(scope) + scopes.stream().map(s -> "&scopes=" + enc(s)).collect(Collectors.joining())
                + "&identity=" + enc(identity);
        ExchangeParameters expected = new ExchangeParameters(scope, scopes, identity);
        assertThat(ExchangeParameters.fromQuery(UriQuery.create(query))).isEqualTo(expected);

        ExchangeParameters empty = new ExchangeParameters("", List.of(), "");
        assertThat(empty.overriddenBy(ExchangeParameters.FORM, query, JSON)).isEqualTo(expected);

        ObjectNode body = JSON.createObjectNode().put("scope", scope).put("identity", identity);
        var array = body.putArray("scopes");
        scopes.forEach(array::add);
        assertThat(empty.overriddenBy(ExchangeParameters.JSON, JSON.writeValueAsString(body), JSON)).isEqualTo(expected);
    }

    private Arbitrary<String> rawQuery() {
        Arbitrary<String> pair = Arbitraries.oneOf(
                Arbitraries.of(NAMES).map(name -> name + "="),
                Arbitraries.strings().withChars(QUERY_CHARS).ofMaxLength(12),
                Arbitraries.of("%", "%z", "%zz", "%2", "%25", "%00", "%C3%A9", "%C3", "%ED%A0%80", "%F0%9F%98%80", "+",
                        "%FF%FE", "&&", "==", "%u00e9"),
                FuzzArbitraries.text(10));
        return pair.list().ofMaxSize(12).map(parts -> String.join("", parts));
    }

    private Arbitrary<String> contentType() {
        return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of(ExchangeParameters.FORM, ExchangeParameters.JSON)),
                Tuple.of(1, Arbitraries.of("", "text/plain", "application/json; charset=utf-8", "multipart/form-data")));
    }

    private Arbitrary<String> body() {
        Arbitrary<String> jsonBodies = FuzzArbitraries.json(2, NAMES).map(node -> {
            try {
                return JSON.writeValueAsString(node);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return Arbitraries.oneOf(rawQuery(), jsonBodies, FuzzArbitraries.text(100),
                jsonBodies.flatMap(json -> FuzzArbitraries.edits("{}[]:,\"\\0123456789 ntf", 3)
                        .map(edits -> FuzzArbitraries.apply(json, edits))));
    }

    /** Text a client can send: any characters but lone surrogates, which UTF-8 cannot carry. */
    private Arbitrary<String> value() {
        return FuzzArbitraries.text(40).filter(s -> new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
                .equals(s));
    }


    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
