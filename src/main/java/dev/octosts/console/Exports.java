package dev.octosts.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.function.Function;

/**
 * A search's records as CSV (one row per record, the fields a spreadsheet needs) or JSON Lines (each
 * record in the export shape, as {@code audit export} writes it). At most {@link #MAX_ROWS} rows, newest
 * first, held in memory while they are written: the console shares the service's memory, so larger
 * windows are what {@code audit export} (streamed) is for.
 */
final class Exports {
    static final int MAX_ROWS = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The CSV columns and where each comes from in the record. */
    private static final List<Column> COLUMNS = List.of(
            new Column("time", record -> record.path("time").asText()),
            new Column("chain_id", record -> record.path("chain_id").asText()),
            new Column("seq", record -> record.path("seq").asText()),
            new Column("decision", record -> record.path("decision").asText()),
            new Column("reason", record -> record.path("reason").asText()),
            new Column("scope", record -> record.path("scope").asText()),
            new Column("identity", record -> record.path("identity").asText()),
            new Column("issuer", record -> record.path("actor").path("iss").asText("")),
            new Column("subject", record -> record.path("actor").path("sub").asText("")),
            new Column("token_sha256", Pages::tokenSha256),
            new Column("repositories", record -> record.path("issued").path("repositories").toString()
                    .replace("[]", "").replace("null", "")),
            new Column("request_id", record -> record.path("request_id").asText()),
            new Column("trace_id", record -> record.path("trace_id").asText("")),
            new Column("hash", record -> record.path("hash").asText()));

    private record Column(String name, Function<JsonNode, String> value) {
    }

    private Exports() {
    }

    static void send(ServerResponse res, String format, List<JsonNode> records) {
        ConsoleRoutes.secureHeaders(res);
        switch (format) {
            case "csv" -> {
                res.header(HeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8");
                res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"octo-sts-audit.csv\"");
                res.send(csv(records));
            }
            case "jsonl" -> {
                res.header(HeaderNames.CONTENT_TYPE, "application/x-ndjson");
                res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"octo-sts-audit.jsonl\"");
                res.send(jsonLines(records));
            }
            default -> throw new IllegalArgumentException("format must be csv or jsonl");
        }
    }

    static String csv(List<JsonNode> records) {
        StringBuilder out = new StringBuilder();
        out.append(String.join(",", COLUMNS.stream().map(Column::name).toList())).append("\r\n");
        for (JsonNode record : records) {
            for (int i = 0; i < COLUMNS.size(); i++) {
                out.append(i == 0 ? "" : ",").append(cell(COLUMNS.get(i).value().apply(record)));
            }
            out.append("\r\n");
        }
        return out.toString();
    }

    /**
     * RFC 4180 quoting, and a leading quote for text a spreadsheet would run as a formula: a subject
     * or scope is whatever a token or request carried.
     */
    static String cell(String value) {
        String text = value == null ? "" : value;
        if (!text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        if (text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }

    private static String jsonLines(List<JsonNode> records) {
        StringBuilder out = new StringBuilder();
        for (JsonNode record : records) {
            try {
                out.append(JSON.writeValueAsString(record)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a ledger record could not be written as JSON", e);
            }
        }
        return out.toString();
    }
}
