package io.entitylockdown.core.ec2;

import io.entitylockdown.core.Shell;
import io.entitylockdown.core.report.Produced;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.Verdict;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.ec2.model.AttributeBooleanValue;
import software.amazon.awssdk.services.ec2.model.DeviceType;
import software.amazon.awssdk.services.ec2.model.InstanceLifecycleType;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;

/**
 * Keeps the instance as evidence: nobody may terminate or stop it through the API (stopping loses
 * memory and instance-store data). Each protection is read, then set, with its own call (EC2 takes one
 * attribute per call).
 */
final class Protections implements InstanceEffect {

    enum Protection {
        TERMINATION(InstanceAttributeName.DISABLE_API_TERMINATION, "termination protection"),
        STOP(InstanceAttributeName.DISABLE_API_STOP, "stop protection");

        final InstanceAttributeName attribute;
        final String label;

        Protection(InstanceAttributeName attribute, String label) {
            this.attribute = attribute;
            this.label = label;
        }

        String step() {
            return name().toLowerCase(Locale.ROOT) + "-protection";
        }
    }

    private final AtomicReference<InstanceState.ProtectionState> before = new AtomicReference<>();

    @Override
    public Set<String> permissions() {
        return Set.of("ec2:DescribeInstanceAttribute", "ec2:ModifyInstanceAttribute");
    }

    @Override
    public void prepare(InstanceRun run) {
        run.report.read("read-protections", "ec2:DescribeInstanceAttribute",
                "release will leave both protections on", () -> read(run)).ifPresent(now -> {
                    before.set(now);
                    run.sawProtection(now);
                });
    }

    @Override
    public boolean destroysPriorState() {
        return true;
    }

    @Override
    public void apply(InstanceRun run) {
        run.parallel().all(run.report,
                () -> run.report.step(Protection.TERMINATION.step(), "ec2:ModifyInstanceAttribute",
                        () -> unsupported(run, Protection.TERMINATION).map(StepOutcome::skipped)
                                .orElseGet(() -> set(run, Protection.TERMINATION, true))),
                () -> run.report.step(Protection.STOP.step(), "ec2:ModifyInstanceAttribute",
                        () -> unsupported(run, Protection.STOP).map(StepOutcome::skipped)
                                .orElseGet(() -> set(run, Protection.STOP, true))));
    }

    /**
     * Why EC2 refuses this protection for this instance, per the EC2 documentation (moto accepts it):
     * Spot Instances take neither, and an instance-store-backed instance cannot be stopped at all, so it
     * takes no stop protection. Asking anyway would fail a step after the network was opened.
     */
    static java.util.Optional<String> unsupported(InstanceRun run, Protection protection) {
        if (run.instance.instanceLifecycle() == InstanceLifecycleType.SPOT) {
            return java.util.Optional.of(run.id + " is a Spot Instance, for which EC2 supports no " + protection.label
                    + "; AWS may still interrupt it, so take the evidence you need now");
        }
        if (protection == Protection.STOP && run.instance.rootDeviceType() == DeviceType.INSTANCE_STORE) {
            return java.util.Optional.of(run.id + " is instance-store backed: it cannot be stopped, so EC2 has no "
                    + "stop protection for it");
        }
        return java.util.Optional.empty();
    }

    @Override
    public void verify(InstanceRun run) {
        boolean termination = unsupported(run, Protection.TERMINATION).isEmpty();
        boolean stop = unsupported(run, Protection.STOP).isEmpty();
        run.report.verify("termination and stop protection", () -> {
            InstanceState.ProtectionState now = read(run);
            return Verdict.of((now.termination() || !termination) && (now.stop() || !stop), "termination "
                    + (termination ? now.termination() : "not supported") + ", stop " + (stop ? now.stop() : "not supported"));
        });
    }

    @Override
    public void undo(InstanceRun run, InstanceState recorded) {
        InstanceState.ProtectionState prior = recorded.protection();
        if (prior == null) {
            run.report.note("The protection settings before containment were not recorded; termination and stop "
                    + "protection stay on. Turn them off with: aws ec2 modify-instance-attribute --instance-id " + run.id
                    + " --no-disable-api-termination (and --no-disable-api-stop) --region "
                    + Shell.quote(run.entity().region()));
            return;
        }
        before.set(read(run));
        run.parallel().all(run.report,
                () -> run.report.step("restore-termination-protection", "ec2:ModifyInstanceAttribute",
                        () -> unsupported(run, Protection.TERMINATION).map(StepOutcome::skipped)
                                .orElseGet(() -> set(run, Protection.TERMINATION, prior.termination()))),
                () -> run.report.step("restore-stop-protection", "ec2:ModifyInstanceAttribute",
                        () -> unsupported(run, Protection.STOP).map(StepOutcome::skipped)
                                .orElseGet(() -> set(run, Protection.STOP, prior.stop()))));
    }

    @Override
    public void verifyUndone(InstanceRun run, InstanceState recorded) {
        if (recorded.protection() != null) {
            run.report.verify("protections restored", () -> {
                InstanceState.ProtectionState now = read(run);
                return Verdict.of(now.equals(recorded.protection()), "termination " + now.termination() + ", stop "
                        + now.stop());
            });
        }
    }

    @Override
    public void status(InstanceRun run) {
        run.report.produce("protections", "ec2:DescribeInstanceAttribute", () -> {
            InstanceState.ProtectionState now = read(run);
            run.report.state("protections", "termination " + onOff(now.termination()) + ", stop " + onOff(now.stop()));
            return Produced.done(now, "termination protection " + onOff(now.termination()) + ", stop protection "
                    + onOff(now.stop()));
        });
    }

    private StepOutcome set(InstanceRun run, Protection protection, boolean wanted) {
        InstanceState.ProtectionState now = before.get();
        if (now == null) {
            now = read(run);
        }
        boolean current = protection == Protection.TERMINATION ? now.termination() : now.stop();
        String state = onOff(wanted);
        if (current == wanted) {
            return StepOutcome.already(protection.label + " is " + state);
        }
        if (run.dryRun()) {
            return StepOutcome.wouldDo("turn " + protection.label + " " + state);
        }
        AttributeBooleanValue value = AttributeBooleanValue.builder().value(wanted).build();
        if (protection == Protection.TERMINATION) {
            run.ec2.modifyInstanceAttribute(b -> b.instanceId(run.id).disableApiTermination(value));
        } else {
            run.ec2.modifyInstanceAttribute(b -> b.instanceId(run.id).disableApiStop(value));
        }
        return StepOutcome.done(protection.label + " turned " + state);
    }

    private static InstanceState.ProtectionState read(InstanceRun run) {
        return new InstanceState.ProtectionState(enabled(run, Protection.TERMINATION), enabled(run, Protection.STOP));
    }

    private static boolean enabled(InstanceRun run, Protection protection) {
        var response = run.ec2.describeInstanceAttribute(b -> b.instanceId(run.id).attribute(protection.attribute));
        AttributeBooleanValue value = protection == Protection.TERMINATION
                ? response.disableApiTermination() : response.disableApiStop();
        return value != null && Boolean.TRUE.equals(value.value());
    }

    private static String onOff(boolean value) {
        return value ? "on" : "off";
    }
}
