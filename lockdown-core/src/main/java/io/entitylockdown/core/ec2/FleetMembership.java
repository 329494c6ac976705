package io.entitylockdown.core.ec2;

import io.entitylockdown.core.report.StepOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingInstanceDetails;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthStateEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetTypeEnum;

/**
 * The instance's place in its fleet: its Auto Scaling group, which would replace or terminate it
 * once it fails health checks, and the load-balancer target groups that send it traffic.
 */
final class FleetMembership {

    /** One registration of the instance (or one of its addresses) in a target group. */
    record Target(String targetGroupArn, String id, Integer port, String availabilityZone) {
        TargetDescription description() {
            return TargetDescription.builder().id(id).port(port).availabilityZone(availabilityZone).build();
        }

        String label() {
            return targetGroupArn.substring(targetGroupArn.indexOf(":targetgroup/") + 1) + " " + id
                    + (port == null ? "" : ":" + port);
        }
    }

    private static final Set<TargetHealthStateEnum> LEAVING = Set.of(TargetHealthStateEnum.DRAINING,
            TargetHealthStateEnum.UNUSED);

    private final AutoScalingClient autoScaling;
    private final ElasticLoadBalancingV2Client loadBalancing;

    FleetMembership(AutoScalingClient autoScaling, ElasticLoadBalancingV2Client loadBalancing) {
        this.autoScaling = autoScaling;
        this.loadBalancing = loadBalancing;
    }

    /** The Auto Scaling group the instance belongs to now. */
    Optional<String> autoScalingGroup(String instanceId) {
        return autoScaling.describeAutoScalingInstances(b -> b.instanceIds(instanceId)).autoScalingInstances().stream()
                .map(AutoScalingInstanceDetails::autoScalingGroupName).findFirst();
    }

    /**
     * Leaves the group without lowering its desired capacity: the group launches a replacement and
     * never terminates this instance to shrink, so the evidence survives.
     */
    StepOutcome detach(String instanceId, Optional<String> recordedGroup, boolean dryRun) {
        Optional<String> group = autoScalingGroup(instanceId);
        if (group.isEmpty()) {
            return recordedGroup.map(g -> StepOutcome.already("detached from Auto Scaling group " + g + " earlier"))
                    .orElseGet(() -> StepOutcome.skipped("not in an Auto Scaling group"));
        }
        if (dryRun) {
            return StepOutcome.wouldDo("detach from Auto Scaling group " + group.get() + ", keeping its desired capacity");
        }
        autoScaling.detachInstances(b -> b.autoScalingGroupName(group.get()).instanceIds(instanceId)
                .shouldDecrementDesiredCapacity(false));
        return StepOutcome.done("detached from Auto Scaling group " + group.get()
                + " (desired capacity kept; the group launches a replacement)");
    }

    /**
     * Every registration of the instance in a target group of its region: by instance id, and by
     * private address in IP target groups.
     */
    List<Target> registrations(Instance instance, List<NetworkInterface> interfaces) {
        Set<String> addresses = new java.util.TreeSet<>();
        interfaces.forEach(n -> {
            n.privateIpAddresses().forEach(a -> addresses.add(a.privateIpAddress()));
            n.ipv6Addresses().forEach(a -> addresses.add(a.ipv6Address()));
        });
        List<Target> found = new ArrayList<>();
        for (TargetGroup group : loadBalancing.describeTargetGroupsPaginator(b -> { }).targetGroups()) {
            boolean byId = group.targetType() == null || group.targetType() == TargetTypeEnum.INSTANCE;
            boolean byAddress = group.targetType() == TargetTypeEnum.IP;
            if (!byId && !byAddress) {
                continue;
            }
            for (TargetHealthDescription health : loadBalancing.describeTargetHealth(
                    b -> b.targetGroupArn(group.targetGroupArn())).targetHealthDescriptions()) {
                String id = health.target().id();
                boolean mine = byId ? instance.instanceId().equals(id) : addresses.contains(id);
                if (mine && !leaving(health)) {
                    found.add(new Target(group.targetGroupArn(), id, health.target().port(),
                            health.target().availabilityZone()));
                }
            }
        }
        return found;
    }

    /** True while the target is still registered and receiving traffic (not draining, not unused). */
    boolean registered(Target target) {
        return loadBalancing.describeTargetHealth(b -> b.targetGroupArn(target.targetGroupArn()))
                .targetHealthDescriptions().stream()
                .anyMatch(h -> h.target().id().equals(target.id())
                        && (target.port() == null || target.port().equals(h.target().port())) && !leaving(h));
    }

    StepOutcome deregister(Target target, boolean dryRun) {
        if (dryRun) {
            return StepOutcome.wouldDo("deregister " + target.label());
        }
        loadBalancing.deregisterTargets(b -> b.targetGroupArn(target.targetGroupArn()).targets(target.description()));
        return StepOutcome.done("deregistered " + target.label() + " (the load balancer drains its connections)");
    }

    private static boolean leaving(TargetHealthDescription health) {
        return health.targetHealth() != null && LEAVING.contains(health.targetHealth().state());
    }
}
