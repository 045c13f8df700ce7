package dev.octosts.policy;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PermissionLevelsTest {

    @Test
    void theLowestLevelEveryGrantGivesInTheFirstGrantsOrder() {
        Map<String, String> first = new LinkedHashMap<>();
        first.put("issues", "write");
        first.put("contents", "admin");
        first.put("pull_requests", "read");

        Map<String, String> common = PermissionLevels.lowestCommon(List.of(first,
                Map.of("contents", "write", "issues", "write", "statuses", "read"),
                Map.of("contents", "read", "issues", "admin")));

        assertThat(common).containsExactly(Map.entry("issues", "write"), Map.entry("contents", "read"));
    }

    @Test
    void levelsThatCannotBeOrderedOnlyMeetThemselves() {
        assertThat(PermissionLevels.lowestCommon(List.of(Map.of("a", "odd", "b", "odd"), Map.of("a", "odd", "b", "read"))))
                .isEqualTo(Map.of("a", "odd"));
    }

    @Test
    void aRequestIsCoveredByEqualOrHigherLevelsOnly() {
        Map<String, String> granted = Map.of("contents", "write", "issues", "read");

        assertThat(PermissionLevels.firstNotCovered(Map.of("contents", "read"), granted)).isNull();
        assertThat(PermissionLevels.firstNotCovered(Map.of("contents", "write"), granted)).isNull();
        assertThat(PermissionLevels.firstNotCovered(Map.of("contents", "admin"), granted)).isEqualTo("contents:admin");
        assertThat(PermissionLevels.firstNotCovered(Map.of("actions", "read"), granted)).isEqualTo("actions:read");
        assertThat(PermissionLevels.firstNotCovered(Map.of("issues", "banana"), granted)).isEqualTo("issues:banana");
    }
}
