package dev.berth.server.audit;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.berth.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;

/**
 * One event as one line of a segment, and back. A line is a JSON object with its members in this order
 * (members whose value is null are left out, {@code details} keys are sorted):
 * <pre>{"seq":N,"time":"2025-01-02T03:04:05.678Z","principal":…,"authMethod":…,"source":…,"session":…,
 *  "resource":…,"action":…,"outcome":…,"details":{…},"prev":"&lt;64 hex&gt;","hash":"&lt;64 hex&gt;"}</pre>
 * {@code hash} is the lowercase hex SHA-256 of the line's UTF-8 bytes before {@code ,"hash":} — from the
 * opening brace through the closing quote of {@code prev} — so it covers the event and, through
 * {@code prev} (the previous line's hash, 64 zeros for seq 1), the whole chain before it. Hashing the
 * bytes as written, not a re-serialization, means a verifier in any language needs no canonical JSON.
 * Instances hold a digest and are for one thread.
 */
final class LineFormat {
    static final String GENESIS = "0".repeat(64);
    static final DateTimeFormatter TIME = new DateTimeFormatterBuilder().appendInstant(3).toFormatter();
    private static final byte[] SEQ_MEMBER = "{\"seq\":".getBytes(US_ASCII);
    private static final byte[] HASH_MEMBER = ",\"hash\":\"".getBytes(US_ASCII);
    private static final byte[] LINE_END = "\"}\n".getBytes(US_ASCII);
    /** {@code ,"hash":"<64 hex>"}}: what follows the hashed prefix on every line. */
    static final int HASH_SUFFIX_BYTES = HASH_MEMBER.length + 64 + 2;
    private static final HexFormat HEX = HexFormat.of();
    // sorted map keys (here and in writeValue): lines for the same facts look the same, which helps people diff them
    private static final ObjectMapper MAPPER = Json.mapper().copy().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private static final Comparator<Object> BY_NAME = Comparator.comparing(String::valueOf);

    private final MessageDigest sha256;
    private long formattedMillis;
    private String formattedTime;

    LineFormat() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** What a line holds. */
    record Stored(AuditEvent event, String prev, String hash) {}

    /** Appends the line of {@code e} (sealed: seq and time set) chained to {@code prev}; returns its hash. */
    String append(AuditEvent e, String prev, BatchBuffer out) {
        int start = out.size();
        try {
            writeObject(e, prev, out);
        } catch (IOException notJson) {
            // a detail value Jackson cannot write must not cost the event: keep who/what/outcome, say why
            out.truncate(start);
            try {
                writeObject(e.withDetails(Map.of("detailsError", String.valueOf(notJson.getMessage()))), prev, out);
            } catch (IOException impossible) {
                throw new UncheckedIOException(impossible);
            }
        }
        int hashed = out.size() - 1; // the generator closed the object: its brace is not part of the prefix
        sha256.update(out.array(), start, hashed - start);
        String hash = HEX.formatHex(sha256.digest());
        out.truncate(hashed);
        out.write(HASH_MEMBER, 0, HASH_MEMBER.length);
        out.write(hash.getBytes(US_ASCII), 0, 64);
        out.write(LINE_END, 0, LINE_END.length);
        return hash;
    }

    private void writeObject(AuditEvent e, String prev, BatchBuffer out) throws IOException {
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("seq", e.seq());
            g.writeStringField("time", time(e.time()));
            g.writeStringField("principal", e.principal());
            optional(g, "authMethod", e.authMethod());
            optional(g, "source", e.source());
            optional(g, "session", e.session());
            optional(g, "resource", e.resource());
            g.writeStringField("action", e.action());
            g.writeStringField("outcome", e.outcome());
            g.writeFieldName("details");
            writeValue(g, e.details());
            g.writeStringField("prev", prev);
            g.writeEndObject();
        }
    }

    /** The events of a batch mostly share their millisecond: format it once. */
    private String time(Instant t) {
        long millis = t.toEpochMilli();
        if (millis != formattedMillis || formattedTime == null) {
            formattedMillis = millis;
            formattedTime = TIME.format(t);
        }
        return formattedTime;
    }

    /**
     * The JSON-ready values details hold, written straight to the generator (a third of the cost of
     * going through the mapper for each event), maps with their keys sorted; anything else
     * (an Instant, a record, …) the way the API's mapper writes it.
     */
    private static void writeValue(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Boolean b -> g.writeBoolean(b);
            case Map<?, ?> m -> {
                Object[] keys = m.keySet().toArray();
                Arrays.sort(keys, BY_NAME);
                g.writeStartObject();
                for (Object k : keys) {
                    g.writeFieldName(String.valueOf(k));
                    writeValue(g, m.get(k));
                }
                g.writeEndObject();
            }
            case Collection<?> c -> {
                g.writeStartArray();
                for (Object o : c) {
                    writeValue(g, o);
                }
                g.writeEndArray();
            }
            default -> MAPPER.writeValue(g, value);
        }
    }

    private static void optional(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    /** Whether the line ends the way {@link #append} ends lines; the other checks need it. */
    static boolean hasHashMember(byte[] b, int off, int len) {
        int at = off + len - HASH_SUFFIX_BYTES;
        return len > HASH_SUFFIX_BYTES + SEQ_MEMBER.length
                && Arrays.equals(b, at, at + HASH_MEMBER.length, HASH_MEMBER, 0, HASH_MEMBER.length)
                && b[off + len - 2] == '"' && b[off + len - 1] == '}';
    }

    /** The hash the line says it has; only for lines with {@link #hasHashMember}. */
    static String storedHash(byte[] b, int off, int len) {
        return new String(b, off + len - 66, 64, US_ASCII);
    }

    /** The hash the line's bytes have; only for lines with {@link #hasHashMember}. */
    String computedHash(byte[] b, int off, int len) {
        sha256.update(b, off, len - HASH_SUFFIX_BYTES);
        return HEX.formatHex(sha256.digest());
    }

    /** The seq a line starts with, read without parsing the line; -1 if it does not start like a line. */
    static long seqOf(byte[] b, int off, int len) {
        if (len <= SEQ_MEMBER.length || !Arrays.equals(b, off, off + SEQ_MEMBER.length, SEQ_MEMBER, 0, SEQ_MEMBER.length)) {
            return -1;
        }
        long seq = 0;
        int digits = 0;
        for (int i = off + SEQ_MEMBER.length; i < off + len && digits < 19; i++, digits++) {
            byte c = b[i];
            if (c == ',') {
                return digits == 0 ? -1 : seq;
            }
            if (c < '0' || c > '9') {
                return -1;
            }
            seq = seq * 10 + (c - '0');
        }
        return -1;
    }

    /** Parses a line; an IOException says it is not a well-formed event line. */
    static Stored decode(byte[] b, int off, int len) throws IOException {
        Fields f;
        try {
            f = MAPPER.readValue(b, off, len, Fields.class);
        } catch (RuntimeException invalid) { // e.g. a required member missing, from AuditEvent's constructor
            throw new IOException(invalid.getMessage(), invalid);
        }
        if (f == null || f.seq == null || f.seq < 1 || f.time == null || f.prev == null || f.hash == null) {
            throw new IOException("not an audit event line: seq, time, prev or hash is missing");
        }
        AuditEvent event = new AuditEvent(f.seq, f.time, f.principal, f.authMethod, f.source, f.session, f.resource,
                f.action, f.outcome, f.details);
        return new Stored(event, f.prev, f.hash);
    }

    /** A line's members as Jackson reads them; boxed, so that a missing seq is told from seq 0. */
    private record Fields(Long seq, Instant time, String principal, String authMethod, String source, String session,
            String resource, String action, String outcome, Map<String, Object> details, String prev, String hash) {}
}
