package io.entitylockdown.core.ec2;

import io.entitylockdown.core.Shell;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.Verdict;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingInstanceDetails;

/**
 * Takes the instance out of its Auto Scaling group before the network is cut: once isolated it fails
 * its health checks, and the group would terminate it (termination protection does not stop an Auto
 * Scaling group). It leaves without lowering the desired capacity, so the group launches a replacement
 * and never terminates this instance to shrink. Release does not put it back (the replacement is
 * running); the report prints the command.
 */
final class AutoScalingMembership implements InstanceEffect {
    private final AtomicReference<Optional<String>> group = new AtomicReference<>();

    @Override
    public Set<String> permissions() {
        return Set.of("autoscaling:DescribeAutoScalingInstances", "autoscaling:DetachInstances");
    }

    @Override
    public void prepare(InstanceRun run) {
        run.report.read("find-auto-scaling-group", "autoscaling:DescribeAutoScalingInstances",
                "the instance is not detached from an Auto Scaling group it may belong to",
                () -> current(run)).ifPresent(group::set);
    }

    @Override
    public boolean destroysPriorState() {
        return true;
    }

    @Override
    public void apply(InstanceRun run) {
        Optional<String> now = group.get();
        if (now == null) {
            return;
        }
        run.report.step("auto-scaling-detach", "autoscaling:DetachInstances", () -> {
            Optional<String> recorded = run.recorded().map(InstanceState::autoScalingGroup);
            if (now.isEmpty()) {
                return recorded.map(g -> StepOutcome.already("detached from Auto Scaling group " + g + " earlier"))
                        .orElseGet(() -> StepOutcome.skipped("not in an Auto Scaling group"));
            }
            if (run.dryRun()) {
                return StepOutcome.wouldDo("detach from Auto Scaling group " + now.get() + ", keeping its desired capacity");
            }
            client(run).detachInstances(b -> b.autoScalingGroupName(now.get()).instanceIds(run.id)
                    .shouldDecrementDesiredCapacity(false));
            run.leftAutoScalingGroup(now.get());
            return StepOutcome.done("detached from Auto Scaling group " + now.get()
                    + " (desired capacity kept; the group launches a replacement)");
        });
    }

    @Override
    public void verify(InstanceRun run) {
        run.report.verify("out of Auto Scaling", () -> {
            // AWS lists a detached instance as Detaching while its group's load balancers drain it (minutes);
            // it is out of the group's health checks and replacement from the moment DetachInstances returns
            Optional<AutoScalingInstanceDetails> still = client(run).describeAutoScalingInstances(b -> b
                    .instanceIds(run.id)).autoScalingInstances().stream()
                    .filter(i -> i.lifecycleState() == null || !i.lifecycleState().startsWith("Detach")).findFirst();
            return Verdict.of(still.isEmpty(), still.map(i -> "still in " + i.autoScalingGroupName() + " ("
                    + i.lifecycleState() + ")").orElse("in no Auto Scaling group (or leaving it)"));
        });
    }

    @Override
    public void undo(InstanceRun run, InstanceState recorded) {
        if (recorded.autoScalingGroup() != null) {
            run.report.note("Auto Scaling membership is NOT restored automatically: the group launched a replacement "
                    + "when this instance was detached. To put it back: aws autoscaling attach-instances "
                    + "--auto-scaling-group-name " + Shell.quote(recorded.autoScalingGroup()) + " --instance-ids "
                    + run.id + " --region " + Shell.quote(run.entity().region())
                    + " (this raises the group's desired capacity by one).");
        }
    }

    @Override
    public void status(InstanceRun run) {
        run.report.read("auto-scaling-group", "autoscaling:DescribeAutoScalingInstances", "",
                () -> current(run)).ifPresent(g -> run.report.state("autoScalingGroup", g.orElse("none")));
    }

    private static Optional<String> current(InstanceRun run) {
        return client(run).describeAutoScalingInstances(b -> b.instanceIds(run.id)).autoScalingInstances().stream()
                .map(AutoScalingInstanceDetails::autoScalingGroupName).findFirst();
    }

    private static AutoScalingClient client(InstanceRun run) {
        return run.ctx.session().autoScaling();
    }
}
