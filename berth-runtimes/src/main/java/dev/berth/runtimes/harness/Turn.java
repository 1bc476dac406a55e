package dev.berth.runtimes.harness;

/**
 * One turn of a harness.
 *
 * @param prompt what the agent is asked this turn (the task, or the task with the last check's failure)
 * @param model the model it should use; null for the harness's default
 * @param iteration 1 for the first turn; later turns may continue the harness's own conversation
 * @param command the command a {@code custom} harness runs (null for the others)
 */
public record Turn(String prompt, String model, int iteration, String command) {}
