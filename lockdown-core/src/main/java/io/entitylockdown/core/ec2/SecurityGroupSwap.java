package io.entitylockdown.core.ec2;

import io.entitylockdown.core.report.StepOutcome;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;

/**
 * Replaces the security groups of one network interface. Every interface of the instance is moved,
 * not only the primary one: a second interface in another subnet is as good a way out.
 */
final class SecurityGroupSwap {
    private final Ec2Client ec2;

    SecurityGroupSwap(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    /** Every network interface attached to the instance, in device order. */
    List<NetworkInterface> interfaces(String instanceId) {
        return ec2.describeNetworkInterfacesPaginator(b -> b.filters(
                        Filter.builder().name("attachment.instance-id").values(instanceId).build()))
                .networkInterfaces().stream()
                .sorted(java.util.Comparator.comparing(
                        (NetworkInterface n) -> n.attachment() == null || n.attachment().deviceIndex() == null
                                ? Integer.MAX_VALUE : n.attachment().deviceIndex())
                        .thenComparing(NetworkInterface::networkInterfaceId))
                .toList();
    }

    Optional<NetworkInterface> find(String interfaceId) {
        List<NetworkInterface> found = ec2.describeNetworkInterfaces(b -> b.filters(
                Filter.builder().name("network-interface-id").values(interfaceId).build())).networkInterfaces();
        return found.stream().findFirst();
    }

    static List<String> groupIds(NetworkInterface eni) {
        return eni.groups().stream().map(GroupIdentifier::groupId).toList();
    }

    /** True when the interface's groups include one of Entity Lockdown's, i.e. it is already contained. */
    static boolean inContainmentGroup(NetworkInterface eni) {
        return eni.groups().stream().anyMatch(g -> ContainmentGroups.isContainmentGroupName(g.groupName()));
    }

    /** True when the interface has exactly the isolation group (phase 2 done). */
    static boolean isolated(NetworkInterface eni) {
        return eni.groups().size() == 1
                && ContainmentGroups.Kind.ISOLATION.groupName.equals(eni.groups().get(0).groupName());
    }

    /** Sets exactly these groups on the interface. */
    StepOutcome replace(NetworkInterface eni, List<String> groups, String what, boolean dryRun) {
        String id = eni.networkInterfaceId();
        if (sameSet(groupIds(eni), groups)) {
            return StepOutcome.already(id + " already has " + what);
        }
        if (dryRun) {
            return StepOutcome.wouldDo("replace the groups " + groupIds(eni) + " of " + id + " with " + what);
        }
        ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(id).groups(groups));
        return StepOutcome.done(id + ": groups " + groupIds(eni) + " replaced with " + what);
    }

    /** The interface's groups now (read back), or empty when it no longer exists. */
    Optional<List<String>> currentGroups(String interfaceId) {
        return find(interfaceId).map(SecurityGroupSwap::groupIds);
    }

    static boolean sameSet(List<String> a, List<String> b) {
        Set<String> left = new TreeSet<>(a);
        return left.equals(new TreeSet<>(b)) && a.size() == b.size();
    }
}
