package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ec2.GroupRules.Direction;
import io.entitylockdown.core.ec2.GroupRules.Rule;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.Ipv6Range;
import software.amazon.awssdk.services.ec2.model.UserIdGroupPair;

class GroupRulesTest {

    private static IpPermission allTraffic(boolean ipv4, boolean ipv6) {
        IpPermission.Builder b = IpPermission.builder().ipProtocol("-1");
        if (ipv4) {
            b.ipRanges(IpRange.builder().cidrIp("0.0.0.0/0").build());
        }
        if (ipv6) {
            b.ipv6Ranges(Ipv6Range.builder().cidrIpv6("::/0").build());
        }
        return b.build();
    }

    @Test
    void of_expandsCombinedPermissions_intoSingleRules() {
        Set<Rule> rules = GroupRules.of(List.of(allTraffic(true, true)), List.of(allTraffic(true, true)));

        assertThat(rules).isEqualTo(GroupRules.allOpen()).hasSize(4);
    }

    @Test
    void of_sameRulesGroupedDifferently_areEqual() {
        Set<Rule> combined = GroupRules.of(List.of(allTraffic(true, true)), List.of(allTraffic(true, true)));
        Set<Rule> split = GroupRules.of(List.of(allTraffic(true, false), allTraffic(false, true)),
                List.of(allTraffic(false, true), allTraffic(true, false)));

        assertThat(split).isEqualTo(combined);
    }

    @Test
    void compare_defaultEgressOnNewGroup_isTheOnlyExtraForIsolation() {
        Set<Rule> fresh = GroupRules.of(List.of(), List.of(allTraffic(true, false)));

        GroupRules.Difference difference = GroupRules.compare(fresh, Set.of());

        assertThat(difference.none()).isFalse();
        assertThat(difference.extra()).containsExactly(new Rule(Direction.EGRESS, "-1", -1, -1, "0.0.0.0/0"));
        assertThat(difference.missing()).isEmpty();
    }

    @Test
    void compare_untrackedGroupMissingIpv6AndWithStrayRule_listsBoth() {
        IpPermission ssh = IpPermission.builder().ipProtocol("tcp").fromPort(22).toPort(22)
                .ipRanges(IpRange.builder().cidrIp("10.0.0.0/8").build()).build();
        Set<Rule> actual = GroupRules.of(List.of(allTraffic(true, false), ssh), List.of(allTraffic(true, false)));

        GroupRules.Difference difference = GroupRules.compare(actual, GroupRules.allOpen());

        assertThat(difference.extra()).containsExactly(new Rule(Direction.INGRESS, "tcp", 22, 22, "10.0.0.0/8"));
        assertThat(difference.missing()).containsExactlyInAnyOrder(
                new Rule(Direction.INGRESS, "-1", -1, -1, "::/0"), new Rule(Direction.EGRESS, "-1", -1, -1, "::/0"));
    }

    @Test
    void rule_protocolNumbersAndAllTrafficPorts_areNormalised() {
        assertThat(new Rule(Direction.INGRESS, "6", 443, 443, "0.0.0.0/0"))
                .isEqualTo(new Rule(Direction.INGRESS, "TCP", 443, 443, "0.0.0.0/0"));
        assertThat(new Rule(Direction.EGRESS, "-1", 0, 65535, "::/0"))
                .isEqualTo(new Rule(Direction.EGRESS, "-1", -1, -1, "::/0"));
        assertThat(new Rule(Direction.INGRESS, "tcp", 22, 22, "1.2.3.4/32"))
                .isNotEqualTo(new Rule(Direction.EGRESS, "tcp", 22, 22, "1.2.3.4/32"));
    }

    @Test
    void rule_toPermission_roundTripsEveryPeerKind() {
        List<Rule> rules = List.of(
                new Rule(Direction.INGRESS, "tcp", 22, 22, "10.0.0.0/8"),
                new Rule(Direction.INGRESS, "udp", 53, 53, "2001:db8::/32"),
                new Rule(Direction.EGRESS, "tcp", 443, 443, "pl-12345678"),
                new Rule(Direction.INGRESS, "-1", -1, -1, "sg-0123456789abcdef0"));

        for (Rule rule : rules) {
            IpPermission permission = rule.toPermission();
            Set<Rule> back = rule.direction() == Direction.INGRESS
                    ? GroupRules.of(List.of(permission), List.of()) : GroupRules.of(List.of(), List.of(permission));
            assertThat(back).containsExactly(rule);
        }
        assertThat(rules.get(3).toPermission().userIdGroupPairs())
                .containsExactly(UserIdGroupPair.builder().groupId("sg-0123456789abcdef0").build());
        assertThat(rules.get(3).toPermission().fromPort()).isNull();
    }
}
