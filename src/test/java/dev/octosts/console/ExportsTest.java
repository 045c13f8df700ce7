package dev.octosts.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ExportsTest {
    @Test
    void cellsAreQuotedAsRfc4180AndFormulasAreDefused() {
        assertThat(Exports.cell("plain")).isEqualTo("plain");
        assertThat(Exports.cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(Exports.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(Exports.cell("two\nlines")).isEqualTo("\"two\nlines\"");
        assertThat(Exports.cell("=HYPERLINK(\"http://x\")")).isEqualTo("\"'=HYPERLINK(\"\"http://x\"\")\"");
        assertThat(Exports.cell("+1")).isEqualTo("'+1");
        assertThat(Exports.cell("@sum")).isEqualTo("'@sum");
        assertThat(Exports.cell("")).isEmpty();
        assertThat(Exports.cell(null)).isEmpty();
    }

    @Test
    void oneRowPerRecordUnderAHeader() throws Exception {
        JsonNode record = new ObjectMapper().readTree("""
                {"time":"2026-12-01T09:00:00Z","chain_id":"c","seq":7,"decision":"deny","reason":"subject_mismatch",
                 "scope":"org/repo","identity":"ci","actor":{"iss":"https://i","sub":"=cmd"},"issued":null,
                 "request_id":"r","trace_id":null,"hash":"h"}
                """);
        List<String> lines = Exports.csv(List.of(record)).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("time,chain_id,seq,decision,reason,scope,identity,issuer,subject,"
                + "token_sha256,repositories,request_id,trace_id,hash");
        assertThat(lines.get(1)).isEqualTo("2026-12-01T09:00:00Z,c,7,deny,subject_mismatch,org/repo,ci,https://i,'=cmd,,,r,,h");
    }

    @Test
    void markupIsEscapedEverywhere() {
        assertThat(Html.text("<script>alert('x') & \"y\"</script>"))
                .isEqualTo("&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
        assertThat(Html.page("<b>", null, "")).contains("<title>&lt;b&gt;").doesNotContain("<b>");
    }
}
