package io.entitylockdown.core.ec2;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What containment changed on an instance and what was there before, as recorded (signed) on the
 * instance. Every field is checked when a record is read: a record that does not fit is not used.
 *
 * @param interfaces       each network interface's original groups and connection-tracking timeouts
 * @param protection       the protection settings before containment; null when they could not be read
 * @param credentialRoles  the roles on which containment denied this instance's credentials
 * @param autoScalingGroup the Auto Scaling group the instance was detached from; null when none
 * @param targets          the target-group registrations containment removed
 * @param snapshots        the evidence snapshots taken (one crash-consistent set)
 * @param phase2DueAt      when phase 2 (isolation) is due (ISO-8601); null when it ran in the same run
 * @param shortened        interfaces whose idle timeouts containment set (EC2 may not report them back)
 */
public record InstanceState(Map<String, InterfaceState> interfaces, ProtectionState protection,
        List<String> credentialRoles, String autoScalingGroup, List<TargetState> targets, List<String> snapshots,
        String phase2DueAt, List<String> shortened) {

    private static final Pattern ENI = Pattern.compile("eni-[0-9a-f]{8,17}");
    private static final Pattern GROUP = Pattern.compile("sg-[0-9a-f]{8,17}");
    private static final Pattern TRACKING = Pattern.compile("|[0-9]*,[0-9]*,[0-9]*");
    private static final Pattern ROLE = Pattern.compile("[\\w+=,.@-]{1,64}");
    private static final Pattern SNAPSHOT = Pattern.compile("snap-[0-9a-f]{8,17}");
    private static final Pattern TARGET_GROUP = Pattern.compile(
            "arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[\\w-]{1,32}/[0-9a-f]{16}");

    public InstanceState {
        // sorted, so the same state always encodes to the same record (in any JVM)
        interfaces = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(
                Objects.requireNonNull(interfaces, "interfaces")));
        interfaces.keySet().forEach(id -> check(ENI, id, "network interface id"));
        credentialRoles = Objects.requireNonNull(credentialRoles, "credentialRoles").stream().sorted().distinct().toList();
        credentialRoles.forEach(r -> check(ROLE, r, "role name"));
        targets = Objects.requireNonNull(targets, "targets").stream().distinct()
                .sorted(java.util.Comparator.comparing(TargetState::label)).toList();
        snapshots = Objects.requireNonNull(snapshots, "snapshots").stream().sorted().distinct().toList();
        snapshots.forEach(s -> check(SNAPSHOT, s, "snapshot id"));
        if (autoScalingGroup != null && (autoScalingGroup.isEmpty() || autoScalingGroup.length() > 255)) {
            throw new IllegalArgumentException("not an Auto Scaling group name");
        }
        if (phase2DueAt != null) {
            java.time.Instant.parse(phase2DueAt);
        }
        shortened = Objects.requireNonNull(shortened, "shortened").stream().sorted().distinct().toList();
        shortened.forEach(id -> check(ENI, id, "network interface id"));
    }

    static InstanceState empty() {
        return new InstanceState(Map.of(), null, List.of(), null, List.of(), List.of(), null, List.of());
    }

    /** The groups and timeouts of one interface before containment. */
    public record InterfaceState(List<String> groups, String tracking) {
        public InterfaceState {
            groups = List.copyOf(Objects.requireNonNull(groups, "groups"));
            groups.forEach(g -> check(GROUP, g, "security group id"));
            Objects.requireNonNull(tracking, "tracking");
            check(TRACKING, tracking, "connection tracking (tcp,udpStream,udp)");
        }
    }

    /** Termination and stop protection before containment. */
    public record ProtectionState(boolean termination, boolean stop) {
    }

    /** One registration of the instance (or one of its addresses) in a load-balancer target group. */
    public record TargetState(String targetGroupArn, String id, Integer port, String availabilityZone) {
        public TargetState {
            check(TARGET_GROUP, Objects.requireNonNull(targetGroupArn, "targetGroupArn"), "target group ARN");
            Objects.requireNonNull(id, "id");
            if (!id.matches("i-[0-9a-f]{8,17}|[0-9a-fA-F.:]{2,45}")) {
                throw new IllegalArgumentException("'" + id + "' is not an instance id or IP address");
            }
        }

        String label() {
            return targetGroupArn.substring(targetGroupArn.indexOf(":targetgroup/") + 1) + " " + id
                    + (port == null ? "" : ":" + port);
        }
    }

    InstanceState withInterfaces(Map<String, InterfaceState> value) {
        return new InstanceState(value, protection, credentialRoles, autoScalingGroup, targets, snapshots, phase2DueAt,
                shortened);
    }

    InstanceState withPhase2DueAt(String value) {
        return new InstanceState(interfaces, protection, credentialRoles, autoScalingGroup, targets, snapshots, value,
                shortened);
    }

    /** This state with interfaces it does not know yet added (an interface recorded first keeps its record). */
    InstanceState plusInterfaces(Map<String, InterfaceState> more) {
        Map<String, InterfaceState> all = new LinkedHashMap<>(more);
        all.putAll(interfaces);
        return withInterfaces(all);
    }

    private static void check(Pattern pattern, String value, String what) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a valid " + what);
        }
    }
}
