package dev.berth.server.audit.tty;

/**
 * One line of an asciicast v2 event stream.
 *
 * @param time seconds since the recording started
 * @param code {@code o} output, {@code i} input, {@code r} resize ({@code COLSxROWS}), {@code m}
 *     marker; players skip codes they do not know, so this keeps any other code as it was
 * @param data the event's text
 */
public record AsciicastEvent(double time, String code, String data) {
    public static final String OUTPUT = "o";
    public static final String INPUT = "i";
    public static final String RESIZE = "r";
    public static final String MARKER = "m";

    public boolean isOutput() {
        return OUTPUT.equals(code);
    }
}
