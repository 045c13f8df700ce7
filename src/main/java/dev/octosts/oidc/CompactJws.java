package dev.octosts.oidc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.nimbusds.jose.JWSObject;
import java.io.IOException;
import java.text.ParseException;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compact JWS taken apart without trusting anything in it yet. The header and payload are parsed by
 * Jackson with duplicate keys refused (stricter than Go, so that no two parsers can read different
 * claims from the same bytes) and must be JSON objects; Nimbus parses the same text for signature checks.
 * No message produced here contains any part of the token.
 */
record CompactJws(JWSObject jws, String algorithm, String keyId, Map<String, Object> claims) {
    private static final ObjectReader STRICT_JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION.mappedFeature())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .readerFor(Map.class);

    static CompactJws parse(String token) throws Rejection {
        if (token == null || token.isEmpty()) {
            throw malformed("no token");
        }
        if (token.length() > OidcVerifier.MAX_TOKEN_CHARS) {
            throw new Rejection(OidcFailure.MALFORMED_TOKEN, OidcResult.Rejected.TOKEN_TOO_LARGE,
                    "token has " + token.length() + " characters, more than " + OidcVerifier.MAX_TOKEN_CHARS);
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length == 5) {
            throw malformed("encrypted (JWE) tokens are not accepted");
        }
        if (parts.length != 3) {
            throw malformed("not a compact JWS: " + parts.length + " dot-separated parts instead of 3");
        }
        for (int i = 0; i < 3; i++) {
            if (!isBase64Url(parts[i])) {
                throw malformed("part " + (i + 1) + " is not unpadded base64url");
            }
        }
        Map<String, Object> header = jsonObject(parts[0], "header");
        if (!(header.get("alg") instanceof String algorithm)) {
            throw malformed("header has no alg string");
        }
        if (algorithm.equalsIgnoreCase("none") || parts[2].isEmpty()) {
            throw new Rejection(OidcFailure.MALFORMED_TOKEN, OidcResult.Rejected.UNSIGNED_TOKEN,
                    "unsigned token (alg none or empty signature)");
        }
        Map<String, Object> claims = jsonObject(parts[1], "payload");
        JWSObject jws;
        try {
            jws = JWSObject.parse(token);
        } catch (ParseException e) {
            throw malformed("header is not a valid JWS header");
        }
        if (!jws.getHeader().isBase64URLEncodePayload()) {
            throw malformed("unencoded payloads (b64: false) are not accepted");
        }
        Object kid = header.get("kid");
        if (kid != null && !(kid instanceof String)) {
            throw malformed("header kid is not a string");
        }
        for (String stringClaim : List.of("iss", "sub")) {
            Object value = claims.get(stringClaim);
            if (value != null && !(value instanceof String)) {
                throw malformed("claim " + stringClaim + " is not a string");
            }
        }
        return new CompactJws(jws, algorithm, (String) kid, freeze(claims));
    }

    private static Map<String, Object> jsonObject(String base64Url, String what) throws Rejection {
        byte[] json;
        try {
            json = Base64.getUrlDecoder().decode(base64Url);
        } catch (IllegalArgumentException e) {
            throw malformed(what + " is not valid base64url");
        }
        try {
            Map<String, Object> map = STRICT_JSON.readValue(json);
            if (map == null) {
                throw malformed(what + " is not a JSON object");
            }
            return map;
        } catch (StreamReadException e) {
            throw malformed(what + (e.getMessage() != null && e.getMessage().startsWith("Duplicate field")
                    ? " has a duplicate key" : " is not valid JSON"));
        } catch (IOException e) {
            throw malformed(what + " is not a JSON object");
        }
    }

    private static boolean isBase64Url(String part) {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Unmodifiable copies at every level, so the verified claims cannot be changed by a caller. */
    @SuppressWarnings("unchecked")
    private static <T> T freeze(T value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put((String) k, freeze(v)));
            return (T) Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            return (T) Collections.unmodifiableList(list.stream().map(CompactJws::freeze).toList());
        }
        return value;
    }

    private static Rejection malformed(String detail) {
        return new Rejection(OidcFailure.MALFORMED_TOKEN, OidcResult.Rejected.MALFORMED_TOKEN, detail);
    }
}
