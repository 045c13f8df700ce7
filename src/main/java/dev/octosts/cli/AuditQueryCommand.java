package dev.octosts.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.exchange.Decision;
import dev.octosts.ledger.LedgerQuery;
import dev.octosts.ledger.LedgerQuery.Filter;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code octo-sts audit query}: find records by token, subject, scope, identity, decision and time. */
@Command(name = "query", mixinStandardHelpOptions = true,
        description = "Find ledger records, newest first. Text filters match exactly.")
final class AuditQueryCommand extends AuditCommand.Subcommand {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TABLE_CELL_MAX = 64;

    /** One output column: its heading and where its value is in the export shape. */
    private record Column(String heading, Function<JsonNode, JsonNode> value) {
    }

    private static final List<Column> TABLE = List.of(
            new Column("TIME", row -> row.path("time")),
            new Column("DECISION", row -> row.path("decision")),
            new Column("REASON", row -> row.path("reason")),
            new Column("SCOPE", row -> row.path("scope")),
            new Column("IDENTITY", row -> row.path("identity")),
            new Column("SUBJECT", row -> row.path("actor").path("sub")),
            new Column("TOKEN SHA-256", AuditQueryCommand::tokenSha256));

    private static final List<Column> CSV = List.of(
            new Column("time", row -> row.path("time")),
            new Column("chain_id", row -> row.path("chain_id")),
            new Column("seq", row -> row.path("seq")),
            new Column("request_id", row -> row.path("request_id")),
            new Column("decision", row -> row.path("decision")),
            new Column("grpc_code", row -> row.path("grpc_code")),
            new Column("reason", row -> row.path("reason")),
            new Column("scope", row -> row.path("scope")),
            new Column("identity", row -> row.path("identity")),
            new Column("issuer", row -> row.path("actor").path("iss")),
            new Column("subject", row -> row.path("actor").path("sub")),
            new Column("token_sha256", AuditQueryCommand::tokenSha256),
            new Column("hash", row -> row.path("hash")));

    @Option(names = "--token-sha256", paramLabel = "HEX", description = "SHA-256 of an issued token, as the octo-sts action prints it.")
    String tokenSha256;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "An issued GitHub token: hashed here and only the hash is looked up; never sent or printed.")
    String token;

    @Option(names = "--subject", description = "The OIDC token's sub.")
    String subject;

    @Option(names = "--scope", description = "The requested scope (org/repo or org).")
    String scope;

    @Option(names = "--identity", description = "The requested identity (trust policy name).")
    String identity;

    @Option(names = "--decision", paramLabel = "allow|deny|error|revoke",
            description = "How the exchange ended (revoke: a revocation request).")
    String decision;

    @Option(names = "--since", paramLabel = "TIME",
            description = "Inclusive: RFC 3339 (2026-11-27T10:00:00Z) or back from now (24h, 7d).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Exclusive, same forms as --since.")
    String until;

    @Option(names = "--limit", defaultValue = "100", description = "At most this many records (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--format", defaultValue = "table", paramLabel = "table|json|csv",
            description = "table (default); json: one object per line in the export shape; csv: a header and one line"
                    + " per record (cells that a spreadsheet would run as a formula get a leading ').")
    String format;

    @Override
    public Integer call() throws JsonProcessingException {
        if (!List.of("table", "json", "csv").contains(format)) {
            throw new IllegalArgumentException("--format must be table, json or csv");
        }
        if (token != null && tokenSha256 != null) {
            throw new IllegalArgumentException("give --token or --token-sha256, not both");
        }
        Filter filter = new Filter(token != null ? LedgerQuery.tokenSha256(token) : tokenSha256, subject, scope,
                identity, decision == null ? null : parseDecision(decision),
                since == null ? null : LedgerQuery.parseTime(since, audit.now()),
                until == null ? null : LedgerQuery.parseTime(until, audit.now()));
        try (Stream<JsonNode> rows = new LedgerQuery(audit.database()).find(filter, limit)) {
            List<JsonNode> found = rows.toList();
            switch (format) {
                case "json" -> printJson(found, audit.out());
                case "csv" -> printCsv(found, audit.out());
                default -> printTable(found, audit.out());
            }
        }
        return 0;
    }

    /** The token a record is about: the one it issued, or the one a revocation request named. */
    private static JsonNode tokenSha256(JsonNode row) {
        JsonNode issued = row.path("issued").path("token_sha256");
        return issued.isTextual() ? issued : row.path("revocation").path("token_sha256");
    }

    private static Decision parseDecision(String text) {
        try {
            return Decision.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--decision " + e.getMessage());
        }
    }

    private static void printJson(List<JsonNode> rows, PrintStream out) throws JsonProcessingException {
        for (JsonNode row : rows) {
            out.println(JSON.writeValueAsString(row));
        }
    }

    private static void printCsv(List<JsonNode> rows, PrintStream out) {
        out.println(String.join(",", CSV.stream().map(Column::heading).toList()));
        for (JsonNode row : rows) {
            out.println(String.join(",", CSV.stream().map(column -> csvCell(text(column.value().apply(row)))).toList()));
        }
    }

    private static void printTable(List<JsonNode> rows, PrintStream out) {
        List<List<String>> cells = rows.stream()
                .map(row -> TABLE.stream().map(column -> tableCell(text(column.value().apply(row)))).toList())
                .toList();
        int[] widths = new int[TABLE.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = TABLE.get(i).heading().length();
            for (List<String> line : cells) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        printTableLine(TABLE.stream().map(Column::heading).toList(), widths, out);
        cells.forEach(line -> printTableLine(line, widths, out));
        if (rows.isEmpty()) {
            out.println("(no records)");
        }
    }

    private static void printTableLine(List<String> cells, int[] widths, PrintStream out) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            line.append(i == cells.size() - 1 ? cells.get(i) : String.format("%-" + widths[i] + "s  ", cells.get(i)));
        }
        out.println(line.toString().stripTrailing());
    }

    /** A JSON value as text: strings as they are, null or absent as empty, anything else as JSON. */
    private static String text(JsonNode node) {
        if (node.isNull() || node.isMissingNode()) {
            return "";
        }
        return node.isTextual() ? node.textValue() : node.toString();
    }

    /** Printable on one line of a terminal: control characters shown escaped, long values cut. */
    private static String tableCell(String value) {
        if (value.isEmpty()) {
            return "-";
        }
        StringBuilder cell = new StringBuilder();
        value.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                cell.append(String.format("\\u%04x", c));
            } else {
                cell.appendCodePoint(c);
            }
        });
        if (cell.codePointCount(0, cell.length()) <= TABLE_CELL_MAX) {
            return cell.toString();
        }
        return cell.substring(0, cell.offsetByCodePoints(0, TABLE_CELL_MAX - 1)) + "…";
    }

    /** RFC 4180 quoting; a leading character a spreadsheet would evaluate is neutralised with a {@code '}. */
    private static String csvCell(String value) {
        String cell = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        if (cell.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r')) {
            return '"' + cell.replace("\"", "\"\"") + '"';
        }
        return cell;
    }
}
