package io.entitylockdown.core.ec2;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.Ipv6Range;
import software.amazon.awssdk.services.ec2.model.PrefixListId;
import software.amazon.awssdk.services.ec2.model.UserIdGroupPair;

/**
 * The rules of a security group as a set of single rules (one direction, one protocol and port range,
 * one source or destination), so that two groups can be compared regardless of how AWS grouped the
 * rules into {@link IpPermission}s.
 */
public final class GroupRules {

    /** Direction of a rule. */
    public enum Direction { INGRESS, EGRESS }

    /**
     * One rule. {@code peer} is a CIDR, an IPv6 CIDR, a prefix list id or a group id; ports are -1
     * when the protocol has none.
     */
    public record Rule(Direction direction, String protocol, int fromPort, int toPort, String peer)
            implements Comparable<Rule> {

        public Rule {
            protocol = normaliseProtocol(protocol);
            if (protocol.equals("-1")) {
                fromPort = -1;
                toPort = -1;
            }
        }

        @Override
        public int compareTo(Rule other) {
            return toString().compareTo(other.toString());
        }

        @Override
        public String toString() {
            String ports = fromPort == -1 && toPort == -1 ? "all ports" : fromPort + "-" + toPort;
            return direction.name().toLowerCase(Locale.ROOT) + " " + (protocol.equals("-1") ? "all" : protocol) + " "
                    + ports + " " + (direction == Direction.INGRESS ? "from " : "to ") + peer;
        }

        /** This rule as the permission to authorize or revoke it. */
        IpPermission toPermission() {
            IpPermission.Builder permission = IpPermission.builder().ipProtocol(protocol);
            if (!protocol.equals("-1")) {
                permission.fromPort(fromPort).toPort(toPort);
            }
            if (peer.startsWith("sg-")) {
                permission.userIdGroupPairs(UserIdGroupPair.builder().groupId(peer).build());
            } else if (peer.startsWith("pl-")) {
                permission.prefixListIds(PrefixListId.builder().prefixListId(peer).build());
            } else if (peer.contains(":")) {
                permission.ipv6Ranges(Ipv6Range.builder().cidrIpv6(peer).build());
            } else {
                permission.ipRanges(IpRange.builder().cidrIp(peer).build());
            }
            return permission.build();
        }
    }

    /** The difference between what a group has and what it should have. */
    public record Difference(Set<Rule> extra, Set<Rule> missing) {
        public boolean none() {
            return extra.isEmpty() && missing.isEmpty();
        }
    }

    private GroupRules() {
    }

    /** Every single rule in a group's ingress and egress permissions. */
    public static Set<Rule> of(Collection<IpPermission> ingress, Collection<IpPermission> egress) {
        Set<Rule> rules = new TreeSet<>();
        ingress.forEach(p -> expand(Direction.INGRESS, p, rules));
        egress.forEach(p -> expand(Direction.EGRESS, p, rules));
        return rules;
    }

    /** The rules of the untracked group: all traffic, both ways, from and to all IPv4 and IPv6 addresses. */
    public static Set<Rule> allOpen() {
        return new TreeSet<>(List.of(
                new Rule(Direction.INGRESS, "-1", -1, -1, "0.0.0.0/0"),
                new Rule(Direction.INGRESS, "-1", -1, -1, "::/0"),
                new Rule(Direction.EGRESS, "-1", -1, -1, "0.0.0.0/0"),
                new Rule(Direction.EGRESS, "-1", -1, -1, "::/0")));
    }

    public static Difference compare(Set<Rule> actual, Set<Rule> wanted) {
        Set<Rule> extra = new TreeSet<>(actual);
        extra.removeAll(wanted);
        Set<Rule> missing = new TreeSet<>(wanted);
        missing.removeAll(actual);
        return new Difference(extra, missing);
    }

    private static void expand(Direction direction, IpPermission permission, Set<Rule> into) {
        String protocol = permission.ipProtocol();
        int from = permission.fromPort() == null ? -1 : permission.fromPort();
        int to = permission.toPort() == null ? -1 : permission.toPort();
        permission.ipRanges().forEach(r -> into.add(new Rule(direction, protocol, from, to, r.cidrIp())));
        permission.ipv6Ranges().forEach(r -> into.add(new Rule(direction, protocol, from, to, r.cidrIpv6())));
        permission.prefixListIds().forEach(p -> into.add(new Rule(direction, protocol, from, to, p.prefixListId())));
        permission.userIdGroupPairs().forEach(g -> into.add(new Rule(direction, protocol, from, to, g.groupId())));
    }

    /** AWS accepts protocol names and numbers; compare them in one form. */
    static String normaliseProtocol(String protocol) {
        if (protocol == null) {
            return "-1";
        }
        return switch (protocol.toLowerCase(Locale.ROOT)) {
            case "6" -> "tcp";
            case "17" -> "udp";
            case "1" -> "icmp";
            case "58" -> "icmpv6";
            case "all", "-1" -> "-1";
            default -> protocol.toLowerCase(Locale.ROOT);
        };
    }
}
