package dev.octosts.console;

import dev.octosts.ledger.LedgerSearch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The overview: records over a window of 24 hours, 7 or 30 days stacked by decision, the most frequent
 * denial reasons, denied subjects and repositories in it, and each chain's last checkpoint.
 */
final class OverviewPage {
    private static final int TOP = 10;

    /** A selectable window: its buckets' width and how many. */
    private record Window(String name, Duration width, int buckets) {
    }

    private static final Map<String, Window> WINDOWS = Map.of(
            "24h", new Window("24h", Duration.ofHours(1), 24),
            "7d", new Window("7d", Duration.ofHours(6), 28),
            "30d", new Window("30d", Duration.ofDays(1), 30));

    private final LedgerSearch search;
    private final Clock clock;

    OverviewPage(LedgerSearch search, Clock clock) {
        this.search = search;
        this.clock = clock;
    }

    String render(String windowName) {
        Window window = WINDOWS.get(windowName);
        if (window == null) {
            throw new IllegalArgumentException("window must be 24h, 7d or 30d");
        }
        Instant now = clock.instant();
        long width = window.width().toSeconds();
        Instant first = Instant.ofEpochSecond(Math.floorDiv(now.getEpochSecond(), width) * width)
                .minus(window.width().multipliedBy(window.buckets() - 1));
        List<LedgerSearch.Bucket> buckets = search.buckets(first, window.width());
        long[] totals = new long[StackedChart.DECISIONS.size()];
        for (LedgerSearch.Bucket bucket : buckets) {
            int decision = StackedChart.DECISIONS.indexOf(bucket.decision());
            if (decision >= 0) {
                totals[decision] += bucket.count();
            }
        }
        StringBuilder out = new StringBuilder("<p class=\"windows\">Window: ");
        for (String name : List.of("24h", "7d", "30d")) {
            out.append(name.equals(window.name()) ? "<strong>" + name + "</strong>"
                    : "<a href=\"/console/?window=" + name + "\">" + name + "</a>").append(' ');
        }
        out.append("</p><p class=\"legend\" id=\"totals\">");
        for (int d = 0; d < totals.length; d++) {
            String decision = StackedChart.DECISIONS.get(d);
            out.append("<span class=\"swatch-").append(decision).append("\">■ ").append(decision).append(": ")
                    .append("<a href=\"/console/search?decision=").append(decision).append("&amp;since=")
                    .append(Html.param(window.name())).append("\">").append(totals[d]).append("</a></span>");
        }
        out.append("</p>").append(StackedChart.svg(buckets, first, window.width(), window.buckets()));
        out.append("<div class=\"cards\">")
                .append(card("Top denial reasons", "reason", search.topDenied(first, LedgerSearch.Column.REASON, TOP), window))
                .append(card("Top denied subjects", "subject", search.topDenied(first, LedgerSearch.Column.SUBJECT, TOP), window))
                .append(card("Top denied repositories", "scope", search.topDenied(first, LedgerSearch.Column.SCOPE, TOP), window))
                .append("</div>").append(chains(search.chains(), now));
        return out.toString();
    }

    private static String card(String title, String field, List<LedgerSearch.Count> counts, Window window) {
        StringBuilder out = new StringBuilder("<section class=\"card\"><h2>").append(Html.text(title)).append("</h2>");
        if (counts.isEmpty()) {
            return out.append("<p>None in this window.</p></section>").toString();
        }
        out.append("<table><tbody>");
        for (LedgerSearch.Count count : counts) {
            out.append("<tr><td><a href=\"/console/search?").append(field).append('=').append(Html.text(Html.param(count.value())))
                    .append("&amp;since=").append(window.name()).append("\">").append(Html.text(count.value()))
                    .append("</a></td><td>").append(count.count()).append("</td></tr>");
        }
        return out.append("</tbody></table></section>").toString();
    }

    private static String chains(List<LedgerSearch.ChainState> chains, Instant now) {
        StringBuilder out = new StringBuilder("<h2>Chains</h2><div class=\"scroll\"><table id=\"chains\"><thead><tr>")
                .append("<th>Chain</th><th>Host</th><th>Started</th><th>Records</th><th>Last checkpoint</th></tr></thead><tbody>");
        for (LedgerSearch.ChainState chain : chains) {
            out.append("<tr><td class=\"mono\">").append(Html.text(chain.chainId())).append("</td><td>")
                    .append(Html.text(chain.host())).append("</td><td class=\"mono\">").append(Html.text(chain.startedAt()))
                    .append("</td><td>").append(chain.lastSeq()).append("</td><td>");
            if (chain.checkpointSeq() == null) {
                out.append("<span class=\"state-pending\">none yet</span>");
            } else {
                long behind = chain.lastSeq() - chain.checkpointSeq();
                out.append("seq ").append(chain.checkpointSeq()).append(", ")
                        .append(Html.text(age(Duration.between(chain.checkpointAt(), now)))).append(" ago")
                        .append(behind > 0 ? " (" + behind + " record(s) after it)" : "");
            }
            out.append("</td></tr>");
        }
        return out.append("</tbody></table></div>").toString();
    }

    static String age(Duration age) {
        long seconds = Math.max(0, age.toSeconds());
        if (seconds < 120) {
            return seconds + " s";
        }
        if (seconds < 7200) {
            return seconds / 60 + " min";
        }
        if (seconds < 172_800) {
            return seconds / 3600 + " h";
        }
        return seconds / 86_400 + " days";
    }
}
