package dev.octosts.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * Cumulative histogram bucket counts from the service's Prometheus scrape: metric name, labels (with le),
 * count. What the service itself timed, to tell its own latency from the load generator's.
 */
record Histograms(Map<String, Map<Map<String, String>, Double>> buckets) {
    static Histograms scrape(HttpClient http, URI metrics) throws Exception {
        String text = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Map<Map<String, String>, Double>> buckets = new HashMap<>();
        for (String line : text.split("\n")) {
            int brace = line.indexOf('{');
            if (brace < 0 || !line.substring(0, brace).endsWith("_bucket")) {
                continue;
            }
            int close = line.lastIndexOf('}');
            Map<String, String> labels = new HashMap<>();
            for (String pair : line.substring(brace + 1, close).split(",")) {
                int equals = pair.indexOf('=');
                labels.put(pair.substring(0, equals), pair.substring(equals + 2, pair.length() - 1));
            }
            buckets.computeIfAbsent(line.substring(0, brace - "_bucket".length()), name -> new HashMap<>())
                    .merge(labels, Double.parseDouble(line.substring(close + 1).strip()), Double::sum);
        }
        return new Histograms(buckets);
    }

    Histograms minus(Histograms earlier) {
        Map<String, Map<Map<String, String>, Double>> difference = new HashMap<>();
        buckets.forEach((name, series) -> series.forEach((labels, count) -> difference
                .computeIfAbsent(name, n -> new HashMap<>())
                .put(labels, count - earlier.buckets.getOrDefault(name, Map.of()).getOrDefault(labels, 0.0))));
        return new Histograms(difference);
    }

    /** The shares of the matching series' observations at or below 1 ms and 5 ms. */
    double[] shares(String name, Map<String, String> match) {
        return new double[] {shareWithin(name, match, "0.001"), shareWithin(name, match, "0.005")};
    }

    /** The share of the matching series' observations at or below the bucket bound {@code le} (seconds); NaN for none. */
    double shareWithin(String name, Map<String, String> match, String le) {
        double within = 0;
        double all = 0;
        for (var entry : buckets.getOrDefault(name, Map.of()).entrySet()) {
            if (!entry.getKey().entrySet().containsAll(match.entrySet())) {
                continue;
            }
            String bound = entry.getKey().get("le");
            if (!bound.equals("+Inf") && Double.parseDouble(bound) == Double.parseDouble(le)) {
                within += entry.getValue();
            } else if (bound.equals("+Inf")) {
                all += entry.getValue();
            }
        }
        return all == 0 ? Double.NaN : within / all;
    }
}
