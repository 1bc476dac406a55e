package dev.berth.server.gateway.model;

import dev.berth.api.Json;
import dev.berth.api.model.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;

/**
 * A model API's wire format, as far as the gateway needs it: where its SDKs put the API key, how
 * its errors look (the gateway's own refusals come in that shape, so SDKs show them, with Berth's
 * code where the provider puts an error's type), and how to read its usage.
 */
enum ProviderKind {
    /** Anthropic Messages: {@code x-api-key} (or a bearer token); errors {@code {"type":"error","error":{type,message}}}. */
    ANTHROPIC(List.of("x-api-key"), AnthropicMeter::new) {
        @Override
        void putKey(HttpFields.Mutable headers, String key) {
            headers.put("x-api-key", key);
        }

        @Override
        Object error(ErrorCode code, String message) {
            return Map.of("type", "error", "error", Map.of("type", code.code(), "message", message));
        }
    },
    /** OpenAI: {@code Authorization: Bearer}; errors {@code {"error":{message,type,param,code}}}. */
    OPENAI(List.of(), OpenAiMeter::new) {
        @Override
        void putKey(HttpFields.Mutable headers, String key) {
            headers.put("Authorization", "Bearer " + key);
        }

        @Override
        Object error(ErrorCode code, String message) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("message", message);
            e.put("type", code.code());
            e.put("param", null);
            e.put("code", code.code());
            return Map.of("error", e);
        }
    },
    /** Gemini: {@code x-goog-api-key} or {@code ?key=}; errors {@code {"error":{code,message,status,details}}}. */
    GEMINI(List.of("x-goog-api-key"), GeminiMeter::new) {
        @Override
        void putKey(HttpFields.Mutable headers, String key) {
            headers.put("x-goog-api-key", key);
        }

        @Override
        Object error(ErrorCode code, String message) {
            String status = switch (code.httpStatus()) {
                case 401 -> "UNAUTHENTICATED";
                case 403 -> "PERMISSION_DENIED";
                case 404 -> "NOT_FOUND";
                case 429 -> "RESOURCE_EXHAUSTED";
                case 502, 503 -> "UNAVAILABLE";
                default -> "INTERNAL";
            };
            return Map.of("error", Map.of("code", code.httpStatus(), "message", message, "status", status,
                    "details", List.of(Map.of("@type", "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason", code.code(), "domain", "berth.dev"))));
        }
    };

    private final List<String> keyHeaders;
    private final Supplier<UsageMeter> meters;

    ProviderKind(List<String> keyHeaders, Supplier<UsageMeter> meters) {
        this.keyHeaders = keyHeaders;
        this.meters = meters;
    }

    static ProviderKind parse(String kind) {
        for (ProviderKind k : values()) {
            if (k.name().toLowerCase(Locale.ROOT).equals(kind)) {
                return k;
            }
        }
        return null;
    }

    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the header carries an API key in this format (so it is checked, and not forwarded). */
    boolean isKeyHeader(String name) {
        return name.equalsIgnoreCase("Authorization") || keyHeaders.stream().anyMatch(name::equalsIgnoreCase);
    }

    /** Every API key the request presents: headers, a bearer token, and for Gemini a {@code key} query parameter. */
    List<String> presentedKeys(HttpFields headers, String query) {
        List<String> keys = new ArrayList<>();
        for (String h : keyHeaders) {
            keys.addAll(headers.getValuesList(h));
        }
        for (String auth : headers.getValuesList("Authorization")) {
            keys.add(auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : auth);
        }
        if (this == GEMINI && query != null) {
            for (String p : query.split("&")) {
                if (p.startsWith("key=")) {
                    keys.add(java.net.URLDecoder.decode(p.substring(4), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
        return keys;
    }

    /** The query to forward: Gemini's {@code key} parameter is the placeholder, and the real key goes in a header. */
    String forwardedQuery(String query) {
        if (this != GEMINI || query == null) {
            return query;
        }
        String kept = String.join("&", java.util.Arrays.stream(query.split("&")).filter(p -> !p.startsWith("key=")).toList());
        return kept.isEmpty() ? null : kept;
    }

    abstract void putKey(HttpFields.Mutable headers, String key);

    /** An error body in this provider's shape. */
    abstract Object error(ErrorCode code, String message);

    byte[] errorBytes(ErrorCode code, String message) {
        try {
            return Json.mapper().writeValueAsBytes(error(code, message));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    UsageMeter meter() {
        return meters.get();
    }
}
