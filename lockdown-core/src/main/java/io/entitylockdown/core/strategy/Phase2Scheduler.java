package io.entitylockdown.core.strategy;

import io.entitylockdown.core.EntityArn;
import java.time.Instant;

/**
 * Makes sure EC2 phase 2 (every interface to the isolation group) will run, before the first
 * interface of an instance leaves its groups for the all-open untracked group. The function sends a
 * signed message to its delay queue; the CLI prints how to finish and waits itself.
 *
 * <p>When {@link #schedule} throws, the instance goes straight to the isolation group: the network is
 * never opened without a phase 2 that will close it.
 */
@FunctionalInterface
public interface Phase2Scheduler {

    /** The caller runs phase 2 itself after the window (tests, embedding code); nothing is sent. */
    Phase2Scheduler CALLER_RUNS_PHASE_2 = (instance, notBefore, windowSeconds) ->
            "the caller runs phase 2 at " + notBefore;

    /**
     * Schedules phase 2 durably.
     *
     * @return a sentence for the report saying how and when it will run
     * @throws Exception when it could not be scheduled
     */
    String schedule(EntityArn instance, Instant notBefore, int windowSeconds) throws Exception;
}
