package dev.octosts.console;

import dev.octosts.exchange.Decision;
import dev.octosts.ledger.LedgerQuery;
import dev.octosts.ledger.LedgerSearch;
import io.helidon.webserver.http.ServerRequest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A search as the form sends it: each field as typed (shown back in the form), parsed into ledger criteria
 * with a clear message for a value that is not understood.
 */
record SearchForm(Map<String, String> fields, int page) {
    static final String[] NAMES = {"token_sha256", "subject", "scope", "identity", "decision", "reason", "since", "until"};
    private static final Pattern REASON = Pattern.compile("[a-z0-9_]{1,64}");
    private static final int MAX_FIELD_CHARS = 2048;

    static SearchForm of(ServerRequest req) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String name : NAMES) {
            String value = req.query().first(name).orElse("").strip();
            if (value.length() > MAX_FIELD_CHARS) {
                throw new IllegalArgumentException(name + " is longer than " + MAX_FIELD_CHARS + " characters");
            }
            if (!value.isEmpty()) {
                fields.put(name, value);
            }
        }
        String page = req.query().first("page").orElse("1");
        int number;
        try {
            number = Integer.parseInt(page);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("page must be a number");
        }
        int pages = LedgerSearch.MAX_COUNT / Pages.PAGE_SIZE;
        if (number < 1 || number > pages) {
            throw new IllegalArgumentException("page must be between 1 and " + pages + " (narrow the search to see older records)");
        }
        return new SearchForm(fields, number);
    }

    String value(String name) {
        return fields.getOrDefault(name, "");
    }

    LedgerSearch.Criteria criteria(Instant now) {
        LedgerQuery.Filter filter = new LedgerQuery.Filter(
                parsed("token_sha256", Function.identity()),
                parsed("subject", Function.identity()),
                parsed("scope", Function.identity()),
                parsed("identity", Function.identity()),
                parsed("decision", Decision::parse),
                parsed("since", value -> LedgerQuery.parseTime(value, now)),
                parsed("until", value -> LedgerQuery.parseTime(value, now)));
        String reason = parsed("reason", value -> {
            if (!REASON.matcher(value).matches()) {
                throw new IllegalArgumentException("a reason code is lower case letters, digits and _, e.g. subject_mismatch");
            }
            return value;
        });
        return new LedgerSearch.Criteria(filter, reason);
    }

    /** The fields as a query string (without the page), for links to other pages and exports. */
    String query() {
        StringBuilder out = new StringBuilder();
        fields.forEach((name, value) -> out.append(out.isEmpty() ? "" : "&").append(name).append('=')
                .append(Html.param(value)));
        return out.toString();
    }

    private <T> T parsed(String name, Function<String, T> parse) {
        String value = fields.get(name);
        if (value == null) {
            return null;
        }
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }
}
