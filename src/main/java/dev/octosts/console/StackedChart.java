package dev.octosts.console;

import dev.octosts.ledger.LedgerSearch;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Records over time as an SVG bar chart drawn on the server, one bar per bucket stacked by decision (allow,
 * deny, error), so the page needs no script and fetches nothing.
 */
final class StackedChart {
    static final List<String> DECISIONS = List.of("allow", "deny", "error");
    private static final List<String> COLOURS = List.of("#2e7d32", "#c62828", "#ef6c00");
    private static final int WIDTH = 800;
    private static final int HEIGHT = 240;
    private static final int LEFT = 48;
    private static final int BOTTOM = 28;
    private static final int TOP = 10;
    private static final DateTimeFormatter HOURS = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);

    private StackedChart() {
    }

    /**
     * @param first the start of the first bucket
     * @param width each bucket's length
     * @param count how many buckets
     */
    static String svg(List<LedgerSearch.Bucket> buckets, Instant first, Duration width, int count) {
        long[][] counts = new long[count][DECISIONS.size()];
        for (LedgerSearch.Bucket bucket : buckets) {
            int index = (int) (Duration.between(first, bucket.start()).toSeconds() / width.toSeconds());
            int decision = DECISIONS.indexOf(bucket.decision());
            if (index >= 0 && index < count && decision >= 0) {
                counts[index][decision] += bucket.count();
            }
        }
        long max = 1;
        for (long[] bar : counts) {
            max = Math.max(max, bar[0] + bar[1] + bar[2]);
        }
        int plotWidth = WIDTH - LEFT - 8;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        double slot = (double) plotWidth / count;
        StringBuilder out = new StringBuilder();
        out.append("<svg id=\"chart\" class=\"chart\" role=\"img\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" xmlns=\"http://www.w3.org/2000/svg\"><title>Records per ").append(Html.text(label(width)))
                .append(", by decision</title>")
                .append(line(LEFT, TOP + plotHeight, WIDTH - 8, TOP + plotHeight))
                .append(line(LEFT, TOP, LEFT, TOP + plotHeight))
                .append(text(LEFT - 6, TOP + 10, "end", String.valueOf(max)))
                .append(text(LEFT - 6, TOP + plotHeight, "end", "0"));
        for (int i = 0; i < count; i++) {
            double y = TOP + plotHeight;
            for (int d = 0; d < DECISIONS.size(); d++) {
                if (counts[i][d] == 0) {
                    continue;
                }
                double height = (double) counts[i][d] / max * plotHeight;
                y -= height;
                out.append(String.format(java.util.Locale.ROOT,
                        "<rect class=\"bar-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %d %s</title></rect>",
                        DECISIONS.get(d), LEFT + i * slot + 1, y, Math.max(1, slot - 2), height, COLOURS.get(d),
                        Html.text(HOURS.format(first.plus(width.multipliedBy(i)))), counts[i][d], DECISIONS.get(d)));
            }
        }
        out.append(text(LEFT, HEIGHT - 8, "start", HOURS.format(first) + " UTC"))
                .append(text(WIDTH - 8, HEIGHT - 8, "end", HOURS.format(first.plus(width.multipliedBy(count))) + " UTC"));
        return out.append("</svg>").toString();
    }

    private static String label(Duration width) {
        return width.toHours() >= 24 ? width.toDays() + " day(s)" : width.toHours() + " hour(s)";
    }

    private static String line(int x1, int y1, int x2, int y2) {
        return "<line x1=\"" + x1 + "\" y1=\"" + y1 + "\" x2=\"" + x2 + "\" y2=\"" + y2 + "\" stroke=\"#8a94a6\"/>";
    }

    private static String text(int x, int y, String anchor, String value) {
        return "<text x=\"" + x + "\" y=\"" + y + "\" text-anchor=\"" + anchor + "\" font-size=\"11\" fill=\"#5b6575\">"
                + Html.text(value) + "</text>";
    }
}
