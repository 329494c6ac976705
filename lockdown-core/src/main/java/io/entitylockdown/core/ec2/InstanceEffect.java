package io.entitylockdown.core.ec2;

import java.util.Set;

/**
 * One thing containment does to an instance, with everything about it in one place: what it reads
 * first, what it changes, how that is read back, how release undoes it, what status shows, and the
 * IAM actions all of that needs. The strategy runs every effect's phase as one parallel wave, so a
 * new effect (say, a subnet network ACL) is one new class in {@link Ec2InstanceLockdown#EFFECTS}.
 */
interface InstanceEffect {

    /** Every IAM action this effect may call in the instance's account. */
    Set<String> permissions();

    /** Wave 1, right after DescribeInstances: the reads the effect needs (and writes that need none). */
    default void prepare(InstanceRun run) {
    }

    /** The changes, once the prior state is known (and, when {@link #destroysPriorState}, recorded). */
    default void apply(InstanceRun run) {
    }

    /**
     * True when applying overwrites something the record must keep (the protection settings, the Auto
     * Scaling group, the target registrations): such changes wait until the record is written, so a
     * concurrent containment that sees them also finds the record that holds the values before.
     */
    default boolean destroysPriorState() {
        return false;
    }

    /** After the changes: read back and check that each is in force. */
    default void verify(InstanceRun run) {
    }

    /** Release: undo what the authenticated record says containment changed. */
    default void undo(InstanceRun run, InstanceState recorded) {
    }

    /** Read back after release. */
    default void verifyUndone(InstanceRun run, InstanceState recorded) {
    }

    /** Status: what is in force now; read-only. */
    default void status(InstanceRun run) {
    }
}
