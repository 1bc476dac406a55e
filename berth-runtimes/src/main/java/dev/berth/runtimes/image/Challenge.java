package dev.berth.runtimes.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One authentication challenge of a {@code WWW-Authenticate} header (RFC 9110 section 11.6.1), such as
 * {@code Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"}.
 *
 * @param scheme lowercase ({@code bearer}, {@code basic})
 * @param params lowercase names; quoted values unquoted
 */
record Challenge(String scheme, Map<String, String> params) {
    Challenge {
        params = Map.copyOf(params);
    }

    String param(String name) {
        return params.get(name);
    }

    /** All challenges of the given header values; what does not parse is skipped. */
    static List<Challenge> parse(List<String> headers) {
        List<Challenge> out = new ArrayList<>();
        for (String h : headers) {
            parseInto(h, out);
        }
        return out;
    }

    private static void parseInto(String h, List<Challenge> out) {
        int i = 0;
        int n = h.length();
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (i < n) {
            while (i < n && (h.charAt(i) == ' ' || h.charAt(i) == ',' || h.charAt(i) == '\t')) {
                i++;
            }
            int start = i;
            while (i < n && h.charAt(i) != ' ' && h.charAt(i) != '=' && h.charAt(i) != ',' && h.charAt(i) != '\t') {
                i++;
            }
            if (start == i) {
                break;
            }
            String token = h.substring(start, i);
            int j = i;
            while (j < n && h.charAt(j) == ' ') {
                j++;
            }
            if (j < n && h.charAt(j) == '=' && scheme != null) {
                i = j + 1;
                while (i < n && h.charAt(i) == ' ') {
                    i++;
                }
                StringBuilder value = new StringBuilder();
                if (i < n && h.charAt(i) == '"') {
                    for (i++; i < n && h.charAt(i) != '"'; i++) {
                        if (h.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        value.append(h.charAt(i));
                    }
                    i++; // closing quote
                } else {
                    while (i < n && h.charAt(i) != ',' && h.charAt(i) != ' ') {
                        value.append(h.charAt(i++));
                    }
                }
                params.put(token.toLowerCase(Locale.ROOT), value.toString());
            } else {
                if (scheme != null) {
                    out.add(new Challenge(scheme, params));
                    params = new LinkedHashMap<>();
                }
                scheme = token.toLowerCase(Locale.ROOT);
            }
        }
        if (scheme != null) {
            out.add(new Challenge(scheme, params));
        }
    }
}
