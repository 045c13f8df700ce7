package dev.octosts.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.ledger.RecordProof;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One ledger record: its place in the chain and whether a signed checkpoint binds it, then every field
 * of the document as stored (nested objects as nested tables), so nothing the ledger holds is hidden.
 */
final class RecordPage {
    private static final List<String> PLACE = List.of("chain_id", "seq", "prev_hash", "hash");

    private RecordPage() {
    }

    static String render(JsonNode record, RecordProof.Result state) {
        StringBuilder out = new StringBuilder("<h2>Chain and verification</h2><table id=\"place\"><tbody>");
        for (String name : PLACE) {
            row(out, name, record.path(name));
        }
        String css = switch (state.state()) {
            case VERIFIED -> "state-verified";
            case FAILED -> "state-failed";
            case NOT_YET_CHECKPOINTED, TOO_FAR -> "state-pending";
        };
        String label = switch (state.state()) {
            case VERIFIED -> "verified";
            case NOT_YET_CHECKPOINTED -> "not yet checkpointed";
            case TOO_FAR -> "not verified here";
            case FAILED -> "FAILED";
        };
        out.append("<tr><th>verification</th><td><span id=\"verification\" class=\"").append(css).append("\">")
                .append(Html.text(label)).append("</span> — ").append(Html.text(state.detail())).append("</td></tr>")
                .append("</tbody></table><h2>Record</h2><div class=\"scroll\"><table id=\"fields\"><tbody>");
        for (Iterator<Map.Entry<String, JsonNode>> fields = record.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!PLACE.contains(field.getKey())) {
                row(out, field.getKey(), field.getValue());
            }
        }
        return out.append("</tbody></table></div>").toString();
    }

    private static void row(StringBuilder out, String name, JsonNode value) {
        out.append("<tr><th>").append(Html.text(name)).append("</th><td>");
        value(out, value);
        out.append("</td></tr>");
    }

    private static void value(StringBuilder out, JsonNode value) {
        if (value.isObject()) {
            if (value.isEmpty()) {
                out.append("<span class=\"muted\">{}</span>");
                return;
            }
            out.append("<table><tbody>");
            for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                row(out, field.getKey(), field.getValue());
            }
            out.append("</tbody></table>");
        } else if (value.isArray()) {
            StringBuilder items = new StringBuilder();
            for (JsonNode item : value) {
                items.append(items.isEmpty() ? "" : ", ");
                items.append(item.isValueNode() ? item.asText() : item.toString());
            }
            out.append("<span class=\"mono\">").append(Html.text(items)).append("</span>");
        } else if (value.isNull() || value.isMissingNode()) {
            out.append("<span class=\"muted\">—</span>");
        } else {
            out.append("<span class=\"mono\">").append(Html.text(value.asText())).append("</span>");
        }
    }
}
