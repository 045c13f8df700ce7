package dev.octosts.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An {@code application/x-www-form-urlencoded} body as its name/value pairs, in order.
 *
 * <p>Read here rather than with Helidon's form support ({@code content().as(Parameters.class)}): Helidon 4.5
 * matches pairs with the regex {@code ([^=&]+)=([^&]*)&?}, which backtracks quadratically on a body without
 * {@code =} (about a second of CPU for a 16 KiB body, on the unauthenticated exchange route), reads the whole
 * body whatever our 16 KiB limit, and drops {@code name} and {@code name=} pairs, which grpc-gateway (Go's
 * {@code url.ParseQuery}) reads as empty values. This split is linear and reads them as grpc-gateway does.
 */
final class FormBody {
    private FormBody() {
    }

    /** The pairs of {@code body}; a pair without {@code =} has the empty value. */
    static List<Map.Entry<String, String>> pairs(String body) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            pairs.add(Map.entry(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1))));
        }
        return pairs;
    }

    private static String decode(String value) {
        try {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("request body is not a valid form");
        }
    }
}
