package dev.berth.sandbox.namespaces.routed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the {@code bvX_denied} sets out of {@code nft -j list sets inet} (libnftables' JSON schema 1). */
final class DeniedSets {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = "_denied";

    /** One destination a sandbox was refused, and the packets counted for it so far. */
    record Entry(String protocol, String address, int port) {
        String key() {
            return protocol + " " + address + " " + port;
        }
    }

    private DeniedSets() {}

    /** Host end name to (destination to packets), for every denied set in table {@code inet berth}. */
    static Map<String, Map<Entry, Long>> parse(String json) throws IOException {
        Map<String, Map<Entry, Long>> sets = new HashMap<>();
        for (JsonNode item : JSON.readTree(json).path("nftables")) {
            JsonNode set = item.path("set");
            String name = set.path("name").asText();
            if (!set.path("table").asText().equals("berth") || !set.path("family").asText().equals("inet")
                    || !name.endsWith(SUFFIX)) {
                continue;
            }
            Map<Entry, Long> counts = new LinkedHashMap<>();
            for (JsonNode e : set.path("elem")) {
                JsonNode el = e.path("elem");
                JsonNode concat = el.path("val").path("concat");
                if (concat.size() != 3) {
                    continue;
                }
                counts.put(new Entry(concat.get(0).asText(), concat.get(1).asText(), concat.get(2).asInt()),
                        el.path("counter").path("packets").asLong());
            }
            sets.put(name.substring(0, name.length() - SUFFIX.length()), counts);
        }
        return sets;
    }
}
