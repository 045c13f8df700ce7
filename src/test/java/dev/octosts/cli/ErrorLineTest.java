package dev.octosts.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorLineTest {

    @Test
    void firstLineOnlyWithPasswordsMasked() {
        Exception error = new IllegalStateException(
                "Unable to connect (jdbc:postgresql://db/x?user=app&password=s3cret&ssl=true)\n\tat somewhere");
        assertThat(ErrorLine.of(error))
                .isEqualTo("Unable to connect (jdbc:postgresql://db/x?user=app&password=***&ssl=true)");
    }

    @Test
    void anErrorWithoutMessageIsNamedByItsType() {
        assertThat(ErrorLine.of(new NullPointerException())).isEqualTo("NullPointerException");
    }
}
