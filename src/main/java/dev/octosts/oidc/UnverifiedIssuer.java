package dev.octosts.oidc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.util.Base64;

/**
 * The {@code iss} and {@code sub} a token claims before anything in it is verified: only for budgets,
 * allowlists and turns that must be decided before any network fetch, never for a decision that grants
 * anything. Read as cheaply as it can be, since every request pays it before its turn: only the payload is
 * decoded, and only its top-level string fields are looked at; the verifier parses the whole token strictly.
 */
public final class UnverifiedIssuer {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    /** What a token claims; either is null when it is not a string, both when the payload cannot be read. */
    public record Claimed(String issuer, String subject) {
        public static final Claimed NOTHING = new Claimed(null, null);
    }

    private UnverifiedIssuer() {
    }

    public static Claimed claimed(String token) {
        if (token == null || token.length() > OidcVerifier.MAX_TOKEN_CHARS) {
            return Claimed.NOTHING;
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0) {
            return Claimed.NOTHING;
        }
        try (JsonParser parser = JSON.createParser(Base64.getUrlDecoder().decode(token.substring(first + 1, second)))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Claimed.NOTHING;
            }
            String issuer = null;
            String subject = null;
            for (JsonToken next = parser.nextToken(); next == JsonToken.FIELD_NAME; next = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_STRING && name.equals("iss")) {
                    issuer = parser.getText();
                } else if (value == JsonToken.VALUE_STRING && name.equals("sub")) {
                    subject = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
            return new Claimed(issuer, subject);
        } catch (IOException | IllegalArgumentException e) {
            return Claimed.NOTHING;
        }
    }
}
