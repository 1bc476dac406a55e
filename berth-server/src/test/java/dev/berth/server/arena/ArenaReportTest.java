package dev.berth.server.arena;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.model.ArenaAgentInfo;
import dev.berth.api.model.ArenaInfo;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArenaReportTest {
    private static ArenaAgentInfo agent(String name, boolean passed, int iterations, long wallMs, String cost) {
        return new ArenaAgentInfo(name, "custom", "m", "bot@1", "ar-1-" + name, passed ? "passed" : "failed", passed,
                iterations, wallMs, iterations, 100L * iterations, 20L * iterations, new BigDecimal(cost), 3, 1, null);
    }

    @Test
    void theWinnerHasTheFewestIterationsThenTheLeastTimeThenTheLowestCost() {
        List<ArenaAgentInfo> agents = List.of(agent("a", true, 2, 1000, "0.1"), agent("b", true, 1, 9000, "0.9"),
                agent("c", true, 1, 9000, "0.5"), agent("d", false, 1, 10, "0"));
        assertThat(Ranking.winner(agents)).isEqualTo("c");
        assertThat(Ranking.winner(List.of(agent("d", false, 1, 10, "0")))).isNull();
    }

    @Test
    void aHostileTaskIsEscapedAndThePageNeedsNothingFromOutside() {
        ArenaInfo a = new ArenaInfo("ar-1", "ann", "finished", Instant.EPOCH, Instant.EPOCH,
                "<script>alert(1)</script> & \"quotes\"", "npm test", "src", 5, 60, null,
                List.of(agent("<b>x</b>", true, 1, 1500, "0.25"), agent("y", false, 5, 3000, "0")), "<b>x</b>");
        String html = ArenaReport.html(a);
        assertThat(html).doesNotContain("<script").doesNotContain("<b>x</b>")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;")
                .contains("Winner: <strong>&lt;b&gt;x&lt;/b&gt;</strong>")
                .contains("<svg").contains("$0.25").contains("1.5 s");
        assertThat(html).doesNotContainPattern("(src|href)=\"https?:");
    }
}
