package dev.berth.api.model;

/**
 * {@code POST /v1/sessions/{id}/fork}: new sessions whose workspaces are copies of session
 * {@code {id}}'s at one instant.
 *
 * @param id the new session's id; with a count above 1 the copies are {@code ID-1} … {@code ID-N}
 * @param count how many copies, 1 to {@link #MAX_COUNT}; absent, 1
 */
public record ForkRequest(String id, Integer count) {
    public static final int MAX_COUNT = 64;

    /** The ids of the copies this asks for (the count must be in range). */
    public java.util.List<String> copyIds() {
        int n = count == null ? 1 : count;
        if (n == 1) {
            return java.util.List.of(id);
        }
        return java.util.stream.IntStream.rangeClosed(1, n).mapToObj(i -> id + "-" + i).toList();
    }
}
