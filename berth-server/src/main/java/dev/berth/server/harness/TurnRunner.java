package dev.berth.server.harness;

import dev.berth.api.model.CommandRequest;
import dev.berth.runtimes.harness.Harness;
import dev.berth.runtimes.harness.Step;
import dev.berth.runtimes.harness.StepParser;
import dev.berth.runtimes.harness.Turn;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.gateway.GatewayAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One turn of a harness in a session: its CLI run non-interactively as a direct command in the
 * workspace, its output parsed into steps as it comes, each step an {@code agent.step} audit event
 * (so it shows in {@code berth logs SESSION --follow} and the audit trail, beside the gateway's
 * {@code model.call}s and the commands the harness runs).
 */
public final class TurnRunner {
    static final int MAX_STEP_TEXT = 2000;

    private final CommandRunner commands;
    private final AuditSink audit;

    public TurnRunner(CommandRunner commands, AuditSink audit) {
        this.commands = commands;
        this.audit = audit;
    }

    /**
     * @param context what the audit events of this turn say besides the step (the arena and agent, say)
     * @param timeoutSeconds the turn is killed after this long; 0 for no limit
     * @param onStep each step as it is parsed
     */
    public Result run(String sessionId, Harness harness, Turn turn, String user, Map<String, Object> context,
            long timeoutSeconds, Consumer<Step> onStep, BooleanSupplier cancelled) {
        CommandRequest request = new CommandRequest(null, harness.argv(turn), harness.env(turn, GatewayAddress.URL), null,
                null, null, timeoutSeconds > 0 ? timeoutSeconds : null, true);
        StepParser parser = harness.parser();
        AtomicReference<String> cid = new AtomicReference<>();
        AtomicInteger steps = new AtomicInteger();
        AtomicReference<String> lastMessage = new AtomicReference<>();
        Consumer<Step> each = step -> {
            steps.incrementAndGet();
            if (step.kind() == Step.Kind.MESSAGE || step.kind() == Step.Kind.RESULT) {
                lastMessage.set(step.text());
            }
            audit.record(AuditEvent.draft(user, "arena", null, sessionId, "command/" + cid.get(), "agent.step", "ok",
                    stepDetails(step, turn, harness, context)));
            onStep.accept(step);
        };
        CommandRunner.Result r = commands.run(sessionId, request, user, id -> {
            cid.set(id);
            Map<String, Object> d = new LinkedHashMap<>(context);
            d.put("harness", harness.name());
            if (turn.model() != null) {
                d.put("model", turn.model());
            }
            d.put("iteration", turn.iteration());
            d.put("argv", request.argv());
            audit.record(AuditEvent.draft(user, "arena", null, sessionId, "command/" + id, "agent.turn", "ok", d));
        }, line -> parser.line(line).forEach(each), 0, cancelled);
        parser.end().forEach(each);
        return new Result(r, steps.get(), lastMessage.get());
    }

    private static Map<String, Object> stepDetails(Step step, Turn turn, Harness harness, Map<String, Object> context) {
        Map<String, Object> d = new LinkedHashMap<>(context);
        d.put("harness", harness.name());
        d.put("iteration", turn.iteration());
        d.put("kind", step.kind().name().toLowerCase(Locale.ROOT));
        if (step.text() != null) {
            d.put("text", clip(step.text()));
        }
        if (step.tool() != null) {
            d.put("tool", step.tool());
        }
        if (step.exitCode() != null) {
            d.put("exitCode", step.exitCode());
        }
        return d;
    }

    static String clip(String s) {
        return s.length() <= MAX_STEP_TEXT ? s : s.substring(0, MAX_STEP_TEXT) + "…";
    }

    /**
     * @param command how the harness's process ended
     * @param steps how many steps its output held
     * @param lastMessage the last thing it said, if anything
     */
    public record Result(CommandRunner.Result command, int steps, String lastMessage) {}
}
