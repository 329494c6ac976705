package io.entitylockdown.core.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.entitylockdown.core.EntityType;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The immutable, JSON-serialisable account of what Entity Lockdown did to one entity.
 *
 * @param entity         the ARN as given
 * @param entityType     what it is; null when the input was not a supported ARN
 * @param account        the entity's account (empty when unknown)
 * @param region         the entity's region (empty for IAM)
 * @param operation      contain, isolate (EC2 phase 2), release or status
 * @param outcome        succeeded, partial, failed, invalid or refused
 * @param dryRun         true when nothing was changed on purpose
 * @param summary        one sentence for a person: outcome first
 * @param steps          every step in order
 * @param verification   read-back checks of every effect
 * @param verified       true when every check passed; null when nothing was verified
 * @param affected       other entities affected by this one's containment (e.g. functions sharing a role)
 * @param notes          things a responder must know (limits, manual follow-ups)
 * @param state          the recorded state (what release will undo; for status, what is in force)
 * @param startedAt      ISO-8601 instant
 * @param durationMs     wall time of the whole operation
 * @param releaseCommand how to undo this containment, when something is there to undo
 * @param nextPhase      EC2 only: the isolation phase that is still to run, else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"entity", "entityType", "account", "region", "operation", "outcome", "dryRun", "summary",
    "steps", "verification", "verified", "affected", "notes", "state", "startedAt", "durationMs",
    "releaseCommand", "nextPhase"})
public record ContainmentReport(
        String entity,
        EntityType entityType,
        String account,
        String region,
        Operation operation,
        Outcome outcome,
        boolean dryRun,
        String summary,
        List<StepResult> steps,
        List<Check> verification,
        Boolean verified,
        List<String> affected,
        List<String> notes,
        Map<String, Object> state,
        String startedAt,
        long durationMs,
        String releaseCommand,
        PendingPhase nextPhase) {

    public ContainmentReport {
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(outcome, "outcome");
        account = account == null ? "" : account;
        region = region == null ? "" : region;
        summary = summary == null ? "" : summary;
        steps = List.copyOf(steps == null ? List.of() : steps);
        verification = List.copyOf(verification == null ? List.of() : verification);
        affected = List.copyOf(affected == null ? List.of() : affected);
        notes = List.copyOf(notes == null ? List.of() : notes);
        state = state == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(state));
    }

    /** The first step with the given name, if any. */
    public java.util.Optional<StepResult> step(String name) {
        return steps.stream().filter(s -> s.step().equals(name)).findFirst();
    }

    /** True when nothing failed, was refused or was rejected. */
    public boolean succeeded() {
        return outcome == Outcome.SUCCEEDED;
    }

    /**
     * EC2 phase 2, still to run.
     *
     * @param phase         name of the phase ({@code isolate})
     * @param windowSeconds how long after phase 1 it should run
     * @param notBefore     ISO-8601 instant before which it should not run
     */
    public record PendingPhase(String phase, int windowSeconds, String notBefore) {
    }
}
