package dev.berth.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void parsesTheUsualSpellings() {
        assertThat(Sizes.parse("512m")).isEqualTo(512L << 20);
        assertThat(Sizes.parse("2G")).isEqualTo(2L << 30);
        assertThat(Sizes.parse("1.5GiB")).isEqualTo(3L << 29);
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.parse("64KB")).isEqualTo(64L << 10);
    }

    @Test
    void formatsForPeople() {
        assertThat(Sizes.format(0)).isEqualTo("0B");
        assertThat(Sizes.format(2L << 30)).isEqualTo("2GiB");
        assertThat(Sizes.format(1536)).isEqualTo("1.5KiB");
    }
}
