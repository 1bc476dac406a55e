package dev.berth.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ListenTest {
    @Test
    void hostPortForms() {
        assertThat(ServeCommand.Listen.parse("127.0.0.1:7760")).isEqualTo(new ServeCommand.Listen("127.0.0.1", 7760));
        assertThat(ServeCommand.Listen.parse(":0")).isEqualTo(new ServeCommand.Listen("127.0.0.1", 0));
        assertThat(ServeCommand.Listen.parse("[::1]:9000")).isEqualTo(new ServeCommand.Listen("::1", 9000));
        assertThatThrownBy(() -> ServeCommand.Listen.parse("localhost")).isInstanceOf(IllegalArgumentException.class);
    }
}
