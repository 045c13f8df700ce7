package dev.octosts.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.ledger.LedgerSearch;
import dev.octosts.ledger.RecordProof;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The console's pages for a reader whose view was authorized and recorded: search, record, export, overview. */
final class Pages {
    static final int PAGE_SIZE = 50;

    private final LedgerSearch search;
    private final RecordProof proof;
    private final Clock clock;
    private final OverviewPage overview;

    Pages(LedgerSearch search, RecordProof proof, Clock clock) {
        this.search = search;
        this.proof = proof;
        this.clock = clock;
        this.overview = new OverviewPage(search, clock);
    }

    void overview(ServerRequest req, ServerResponse res, Viewer viewer) {
        String window = req.query().first("window").orElse("24h");
        ConsoleRoutes.html(res, Status.OK_200, Html.page("Overview", viewer, overview.render(window)));
    }

    void search(ServerRequest req, ServerResponse res, Viewer viewer) {
        SearchForm form = SearchForm.of(req);
        StringBuilder body = new StringBuilder(searchForm(form));
        if (!form.fields().isEmpty() || req.query().contains("page")) {
            LedgerSearch.Page found = search.search(form.criteria(clock.instant()), (form.page() - 1) * PAGE_SIZE,
                    PAGE_SIZE);
            body.append(results(form, found));
        }
        ConsoleRoutes.html(res, Status.OK_200, Html.page("Search", viewer, body.toString()));
    }

    void record(ServerRequest req, ServerResponse res, Viewer viewer) {
        UUID chain;
        long seq;
        try {
            chain = UUID.fromString(req.query().first("chain").orElse(""));
            seq = Long.parseLong(req.query().first("seq").orElse(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a record is named by chain (a UUID) and seq (a number)");
        }
        Optional<JsonNode> record = search.record(chain, seq);
        if (record.isEmpty()) {
            ConsoleRoutes.html(res, Status.NOT_FOUND_404, Html.page("No such record", viewer,
                    "<p class=\"notice\">Chain " + Html.text(chain) + " has no record " + seq + ".</p>"));
            return;
        }
        RecordProof.Result state = proof.check(chain, seq);
        ConsoleRoutes.html(res, Status.OK_200, Html.page("Record " + seq + " of chain " + chain, viewer,
                RecordPage.render(record.get(), state)));
    }

    void export(ServerRequest req, ServerResponse res, Viewer viewer) {
        SearchForm form = SearchForm.of(req);
        String format = req.query().first("format").orElse("csv");
        LedgerSearch.Page found = search.search(form.criteria(clock.instant()), 0, Exports.MAX_ROWS);
        Exports.send(res, format, found.records());
    }

    private static String searchForm(SearchForm form) {
        StringBuilder out = new StringBuilder("<form class=\"search\" method=\"get\" action=\"/console/search\">");
        Map<String, String> labels = Map.of("token_sha256", "Token SHA-256", "subject", "Subject",
                "scope", "Repository or scope", "identity", "Identity", "decision", "Decision (allow, deny, error)",
                "reason", "Reason code", "since", "Since (24h, 7d or RFC 3339)", "until", "Until");
        for (String name : SearchForm.NAMES) {
            out.append("<label>").append(Html.text(labels.get(name))).append("<input name=\"").append(name)
                    .append("\" id=\"").append(name).append("\" value=\"").append(Html.text(form.value(name)))
                    .append("\"></label>");
        }
        return out.append("<label>&nbsp;<button type=\"submit\" id=\"search\">Search</button></label></form>").toString();
    }

    private static String results(SearchForm form, LedgerSearch.Page found) {
        StringBuilder out = new StringBuilder();
        int first = (form.page() - 1) * PAGE_SIZE + 1;
        int last = first + found.records().size() - 1;
        String query = form.query();
        String count = found.total() > LedgerSearch.MAX_COUNT ? "more than " + LedgerSearch.MAX_COUNT + " records"
                : found.total() == 1 ? "1 record" : found.total() + " records";
        out.append("<p class=\"count\" id=\"count\">").append(count)
                .append(found.records().isEmpty() ? "" : ", showing " + first + "–" + last + " (newest first)")
                .append(" · export as <a id=\"export-csv\" href=\"/console/export?format=csv").append(query.isEmpty() ? "" : "&")
                .append(Html.text(query)).append("\">CSV</a> or <a id=\"export-jsonl\" href=\"/console/export?format=jsonl")
                .append(query.isEmpty() ? "" : "&").append(Html.text(query)).append("\">JSON Lines</a>")
                .append(found.total() > Exports.MAX_ROWS ? " (the newest " + Exports.MAX_ROWS + ")" : "").append("</p>");
        out.append("<div class=\"scroll\"><table id=\"results\"><thead><tr><th>Time</th><th>Decision</th><th>Reason</th>")
                .append("<th>Scope</th><th>Identity</th><th>Subject</th><th>Token SHA-256</th><th></th></tr></thead><tbody>");
        for (JsonNode record : found.records()) {
            String decision = record.path("decision").asText();
            out.append("<tr><td class=\"mono\">").append(Html.text(record.path("time").asText()))
                    .append("</td><td class=\"decision-").append(Html.text(decision)).append("\">").append(Html.text(decision))
                    .append("</td><td>").append(Html.text(record.path("reason").asText()))
                    .append("</td><td>").append(Html.text(record.path("scope").asText()))
                    .append("</td><td>").append(Html.text(record.path("identity").asText()))
                    .append("</td><td>").append(Html.text(record.path("actor").path("sub").asText("")))
                    .append("</td><td class=\"mono\">").append(Html.text(tokenSha256(record)))
                    .append("</td><td><a class=\"record-link\" href=\"/console/record?chain=")
                    .append(Html.param(record.path("chain_id").asText())).append("&amp;seq=")
                    .append(record.path("seq").asLong()).append("\">view</a></td></tr>");
        }
        out.append("</tbody></table></div><div class=\"pager\">");
        String base = "/console/search?" + (query.isEmpty() ? "" : query + "&") + "page=";
        if (form.page() > 1) {
            out.append("<a href=\"").append(Html.text(base + (form.page() - 1))).append("\">← newer</a>");
        }
        if (last < found.total() && last < LedgerSearch.MAX_COUNT) {
            out.append("<a href=\"").append(Html.text(base + (form.page() + 1))).append("\">older →</a>");
        }
        return out.append("</div>").toString();
    }

    static String tokenSha256(JsonNode record) {
        JsonNode issued = record.path("issued");
        return issued.isObject() ? issued.path("token_sha256").asText("") : "";
    }
}
