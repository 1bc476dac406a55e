package dev.berth.server.audit.otlp;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/** POSTs encoded requests to one OTLP/HTTP endpoint and sorts the answers into {@link Attempt}s. */
final class OtlpHttp implements AutoCloseable {
    static final String PROTOBUF = "application/x-protobuf";
    /** A Retry-After is honoured up to this, so a broken header cannot stall the export for days. */
    static final Duration RETRY_AFTER_CEILING = Duration.ofMinutes(10);
    private static final int MESSAGE_LIMIT = 200;

    private final HttpClient client;
    private final HttpRequest.Builder template;

    OtlpHttp(OtlpConfig config) {
        URI endpoint = config.endpoint();
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
                .timeout(config.timeout())
                // plain http would otherwise try an h2c upgrade, which some collectors mishandle on a POST
                .version("http".equalsIgnoreCase(endpoint.getScheme()) ? HttpClient.Version.HTTP_1_1
                        : HttpClient.Version.HTTP_2)
                .header("Content-Type", PROTOBUF)
                .header("Accept", PROTOBUF);
        config.headers().forEach((name, value) -> {
            try {
                b.header(name, value);
            } catch (IllegalArgumentException e) { // at construction, not at the first export
                throw new IllegalArgumentException("OTLP header " + name + " cannot be sent: " + e.getMessage(), e);
            }
        });
        this.template = b;
        this.client = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
    }

    /** Sends {@code body}; interrupting the caller abandons the request. */
    Attempt post(byte[] body) throws InterruptedException {
        HttpRequest request = template.copy().POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            return new Attempt.Failed("timed out: " + e.getMessage(), null);
        } catch (IOException e) {
            return new Attempt.Failed("cannot reach " + request.uri() + ": " + describe(e), null);
        }
        return classify(response.statusCode(), response.headers().firstValue("Retry-After"),
                response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    static Attempt classify(int status, Optional<String> retryAfter, String contentType, byte[] body) {
        if (status >= 200 && status < 300) {
            return delivered(contentType, body);
        }
        String message = "HTTP " + status + statusMessage(contentType, body).map(m -> ": " + m).orElse("");
        // a 4xx says the batch itself is wrong for this receiver, except "slow down" and "too slow"
        if (status >= 400 && status < 500 && status != 429 && status != 408) {
            return new Attempt.Refused(status, message);
        }
        // 5xx, 429, 408, and a 3xx (HttpClient does not follow redirects by default): try again
        boolean honoured = status == 429 || status == 503;
        return new Attempt.Failed(message, honoured ? retryAfter.flatMap(OtlpHttp::retryAfter).orElse(null) : null);
    }

    private static Attempt delivered(String contentType, byte[] body) {
        if (body.length == 0 || !contentType.toLowerCase(Locale.ROOT).startsWith(PROTOBUF)) {
            return new Attempt.Delivered(0, null); // a 2xx without a protobuf answer is full success
        }
        try {
            ExportLogsPartialSuccess partial = ExportLogsServiceResponse.parseFrom(body).getPartialSuccess();
            String message = partial.getErrorMessage().isEmpty() ? null : partial.getErrorMessage();
            return new Attempt.Delivered(partial.getRejectedLogRecords(), message);
        } catch (InvalidProtocolBufferException e) {
            return new Attempt.Delivered(0, "unreadable response body: " + e.getMessage());
        }
    }

    /** Delta-seconds or an HTTP date, as RFC 9110 allows; anything else is ignored. */
    static Optional<Duration> retryAfter(String value) {
        String v = value.strip();
        Duration d;
        try {
            d = Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException notSeconds) {
            try {
                d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        return Optional.of(d.compareTo(RETRY_AFTER_CEILING) > 0 ? RETRY_AFTER_CEILING : d);
    }

    /**
     * The receiver's reason: OTLP puts a {@code google.rpc.Status} in a protobuf error body (its
     * field 2 is the message, read here without pulling in the whole Status type); text is quoted.
     */
    static Optional<String> statusMessage(String contentType, byte[] body) {
        if (body.length == 0) {
            return Optional.empty();
        }
        String type = contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith(PROTOBUF)) {
            try {
                CodedInputStream in = CodedInputStream.newInstance(body);
                for (int tag; (tag = in.readTag()) != 0; ) {
                    if (WireFormat.getTagFieldNumber(tag) == 2
                            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        return Optional.of(shorten(in.readStringRequireUtf8()));
                    }
                    in.skipField(tag);
                }
            } catch (IOException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }
        if (type.startsWith("text/") || type.contains("json")) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(shorten(text));
        }
        return Optional.empty();
    }

    private static String shorten(String s) {
        return s.length() <= MESSAGE_LIMIT ? s : s.substring(0, MESSAGE_LIMIT) + "…";
    }

    private static String describe(IOException e) {
        // the JDK wraps the interesting cause (ConnectException: Connection refused) without a message
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
