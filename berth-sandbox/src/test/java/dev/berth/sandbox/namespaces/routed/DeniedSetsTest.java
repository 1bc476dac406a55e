package dev.berth.sandbox.namespaces.routed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DeniedSetsTest {
    /** What nft 1.0.6 printed for {@code nft -j list sets inet} with one routed sandbox. */
    private static final String LISTING = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
            {"set": {"family": "inet", "name": "bvdeadbeef_denied", "table": "berth", "type": ["inet_proto", "ipv4_addr",
            "inet_service"], "handle": 15, "size": 65535, "elem": [{"elem": {"val": {"concat": ["tcp", "10.231.0.1", 9000]},
            "counter": {"packets": 2, "bytes": 120}}}, {"elem": {"val": {"concat": ["udp", "198.51.100.2", 5301]},
            "counter": {"packets": 1, "bytes": 31}}}], "stmt": [{"counter": null}]}},
            {"set": {"family": "inet", "name": "bv00000001_denied", "table": "berth", "type": ["inet_proto", "ipv4_addr",
            "inet_service"], "handle": 16, "size": 65535}},
            {"set": {"family": "inet", "name": "bv00000002_denied", "table": "other", "type": "ipv4_addr", "handle": 3}}]}
            """;

    @Test
    void readsEachSandboxsDestinationsAndCounts() throws Exception {
        Map<String, Map<DeniedSets.Entry, Long>> sets = DeniedSets.parse(LISTING);
        assertThat(sets).containsOnlyKeys("bvdeadbeef", "bv00000001");
        assertThat(sets.get("bvdeadbeef")).containsExactly(
                Map.entry(new DeniedSets.Entry("tcp", "10.231.0.1", 9000), 2L),
                Map.entry(new DeniedSets.Entry("udp", "198.51.100.2", 5301), 1L));
        assertThat(sets.get("bv00000001")).isEmpty();
    }
}
