package io.entitylockdown.core.ec2;

import io.entitylockdown.core.Shell;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.Verdict;
import io.entitylockdown.core.strategy.Parallel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthStateEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetTypeEnum;

/**
 * Takes the instance out of every load-balancer target group of its region that sends it traffic: by
 * instance id, and by private address in IP target groups. The load balancer drains its connections.
 * Release does not register it again (it is evidence now); the report prints the commands.
 *
 * <p>ELBv2 has no "which groups is this instance in" call: every target group of the region is listed
 * and the health of each is read, in parallel. Classic Load Balancers and Lambda/ALB-type target
 * groups are not handled (docs/ec2-instance.md).
 */
final class TargetGroupMembership implements InstanceEffect {
    private static final Set<TargetHealthStateEnum> LEAVING = Set.of(TargetHealthStateEnum.DRAINING,
            TargetHealthStateEnum.UNUSED);

    private final AtomicReference<List<InstanceState.TargetState>> found = new AtomicReference<>();

    @Override
    public Set<String> permissions() {
        return Set.of("elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DeregisterTargets");
    }

    @Override
    public void prepare(InstanceRun run) {
        run.report.read("find-target-groups", "elasticloadbalancing:DescribeTargetHealth",
                "the instance may still receive load-balancer traffic; run again", () -> registrations(run))
                .ifPresent(found::set);
    }

    @Override
    public boolean destroysPriorState() {
        return true;
    }

    @Override
    public void apply(InstanceRun run) {
        List<InstanceState.TargetState> targets = found.get();
        if (targets == null) {
            return;
        }
        if (targets.isEmpty()) {
            int earlier = run.recorded().map(s -> s.targets().size()).orElse(0);
            run.report.record("deregister-targets", "elasticloadbalancing:DeregisterTargets", earlier > 0
                    ? StepOutcome.already("deregistered from " + earlier + " target group(s) earlier")
                    : StepOutcome.skipped("not registered in any load-balancer target group"), 0);
            return;
        }
        List<Parallel.Task> tasks = new ArrayList<>();
        for (InstanceState.TargetState target : targets) {
            tasks.add(() -> run.report.step("deregister " + target.label(), "elasticloadbalancing:DeregisterTargets", () -> {
                if (run.dryRun()) {
                    return StepOutcome.wouldDo("deregister " + target.label());
                }
                client(run).deregisterTargets(b -> b.targetGroupArn(target.targetGroupArn()).targets(description(target)));
                run.leftTargetGroup(target);
                return StepOutcome.done("deregistered " + target.label() + " (the load balancer drains its connections)");
            }));
        }
        run.parallel().all(run.report, tasks);
    }

    @Override
    public void verify(InstanceRun run) {
        List<InstanceState.TargetState> targets = found.get();
        if (targets == null || targets.isEmpty()) {
            return;
        }
        List<Parallel.Task> checks = new ArrayList<>();
        for (InstanceState.TargetState target : targets) {
            checks.add(() -> run.report.verify("deregistered " + target.label(), () -> {
                boolean registered = registered(run, target);
                return Verdict.of(!registered, registered ? "still registered" : "not registered (or draining)");
            }));
        }
        run.parallel().all(run.report, checks);
    }

    @Override
    public void undo(InstanceRun run, InstanceState recorded) {
        if (recorded.targets().isEmpty()) {
            return;
        }
        StringBuilder note = new StringBuilder("Target-group membership is NOT restored automatically. To register "
                + "the instance again:");
        for (InstanceState.TargetState target : recorded.targets()) {
            String targets = "Id=" + target.id() + (target.port() == null ? "" : ",Port=" + target.port())
                    + (target.availabilityZone() == null ? "" : ",AvailabilityZone=" + target.availabilityZone());
            note.append(" aws elbv2 register-targets --target-group-arn ").append(Shell.quote(target.targetGroupArn()))
                    .append(" --targets ").append(Shell.quote(targets))
                    .append(" --region ").append(Shell.quote(run.entity().region())).append(';');
        }
        run.report.note(note.toString());
    }

    /** Every registration of the instance in a target group of its region that is not already leaving. */
    private static List<InstanceState.TargetState> registrations(InstanceRun run) throws Exception {
        Set<String> addresses = new TreeSet<>();
        run.interfaces.forEach(n -> {
            n.privateIpAddresses().forEach(a -> addresses.add(a.privateIpAddress()));
            n.ipv6Addresses().forEach(a -> addresses.add(a.ipv6Address()));
        });
        // An address is the instance's only inside its own VPC: private ranges overlap across VPCs, and an IP
        // target group of another VPC (or a target outside the VPC, zone "all") holding the same address is
        // another host, which must not be deregistered.
        List<TargetGroup> groups = client(run).describeTargetGroupsPaginator(b -> { }).targetGroups().stream()
                .filter(g -> g.targetType() == null || g.targetType() == TargetTypeEnum.INSTANCE
                        || (g.targetType() == TargetTypeEnum.IP && run.vpcId.equals(g.vpcId())))
                .toList();
        List<InstanceState.TargetState> found = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Exception> error = new AtomicReference<>();
        List<Parallel.Task> reads = new ArrayList<>();
        for (TargetGroup group : groups) {
            boolean byId = group.targetType() == null || group.targetType() == TargetTypeEnum.INSTANCE;
            reads.add(() -> {
                try {
                    readGroup(run, group, byId, addresses, found);
                } catch (RuntimeException e) {
                    error.compareAndSet(null, e);
                }
            });
        }
        run.parallel().all(run.report, reads);
        if (error.get() != null) {
            throw error.get();
        }
        return List.copyOf(found);
    }

    private static void readGroup(InstanceRun run, TargetGroup group, boolean byId, Set<String> addresses,
            List<InstanceState.TargetState> found) {
        for (TargetHealthDescription health : client(run).describeTargetHealth(
                b -> b.targetGroupArn(group.targetGroupArn())).targetHealthDescriptions()) {
            String id = health.target().id();
            boolean mine = byId ? run.id.equals(id)
                    : addresses.contains(id) && !"all".equals(health.target().availabilityZone());
            if (mine && !leaving(health)) {
                found.add(new InstanceState.TargetState(group.targetGroupArn(), id, health.target().port(),
                        health.target().availabilityZone()));
            }
        }
    }

    private static boolean registered(InstanceRun run, InstanceState.TargetState target) {
        return client(run).describeTargetHealth(b -> b.targetGroupArn(target.targetGroupArn()))
                .targetHealthDescriptions().stream()
                .anyMatch(h -> h.target().id().equals(target.id())
                        && (target.port() == null || target.port().equals(h.target().port())) && !leaving(h));
    }

    private static TargetDescription description(InstanceState.TargetState target) {
        return TargetDescription.builder().id(target.id()).port(target.port())
                .availabilityZone(target.availabilityZone()).build();
    }

    private static boolean leaving(TargetHealthDescription health) {
        return health.targetHealth() != null && LEAVING.contains(health.targetHealth().state());
    }

    private static ElasticLoadBalancingV2Client client(InstanceRun run) {
        return run.ctx.session().elasticLoadBalancing();
    }
}
