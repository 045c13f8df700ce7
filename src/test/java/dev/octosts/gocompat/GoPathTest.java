package dev.octosts.gocompat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's path.Dir, path.Base and path.Clean, with the answers Go 1.25 gives for the same inputs. */
class GoPathTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "org/repo|org|repo",
            "org|.|org",
            "a/b/c|a/b|c",
            "org/repo/|org/repo|repo",
            "/a/b|/a|b",
            "/|/|/",
            "''|.|.",
            "a//b|a|b",
            "./org|.|org",
            "../org|..|org",
            "a/../b|.|b"})
    void dirAndBaseSplitLikeGo(String path, String dir, String base) {
        assertThat(GoPath.dir(path)).isEqualTo(dir);
        assertThat(GoPath.base(path)).isEqualTo(base);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a//b/../c|a/c",
            "/../a|/a",
            "../a|../a",
            "a/./b/.|a/b",
            "''|.",
            "a/..|.",
            "/a/b/../../..|/"})
    void cleanLikeGo(String path, String clean) {
        assertThat(GoPath.clean(path)).isEqualTo(clean);
    }
}
