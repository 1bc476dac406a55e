package dev.berth.server.audit.tty;

import java.util.List;
import java.util.stream.Collectors;

/** A whole asciicast v2 recording, as {@link AsciicastReader#readAll} reads it. */
public record Asciicast(AsciicastHeader header, List<AsciicastEvent> events) {
    public Asciicast {
        events = List.copyOf(events);
    }

    /** The events with code {@code code}, in order. */
    public List<AsciicastEvent> events(String code) {
        return events.stream().filter(e -> e.code().equals(code)).toList();
    }

    /** Everything the terminal showed, in order: the {@code o} events' text joined. */
    public String output() {
        return events(AsciicastEvent.OUTPUT).stream().map(AsciicastEvent::data).collect(Collectors.joining());
    }
}
