package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;

/** The VPC's untracked and isolation groups: found, repaired, and shared by racing containments. */
@ExtendWith(MotoExtension.class)
class Ec2ContainmentGroupsIT {
    /** Every call of this class's engines, for the least-privilege check after them. */
    private static final CallRecorder CALLS = new CallRecorder();

    @AfterAll
    static void everyCallDeclared() {
        TestEngine.assertDeclared(new Ec2InstanceLockdown(), CALLS);
    }
    static final String UNTRACKED = ContainmentGroups.Kind.UNTRACKED.groupName;
    static final String ISOLATION = ContainmentGroups.Kind.ISOLATION.groupName;

    /**
     * AWS's reads are eventually consistent: right after CreateSecurityGroup the VPC's listing may not show
     * the group (moto always does). The interceptor hides new groups from the first listing after each create.
     */
    @Test
    void contain_groupsNotListedYetRightAfterCreation_areUsedByTheirIds(MotoEstate estate) {
        Network net = estate.account().network();
        java.util.concurrent.atomic.AtomicBoolean hideNext = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger hidden = new java.util.concurrent.atomic.AtomicInteger();
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor laggingListing =
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public software.amazon.awssdk.core.SdkResponse modifyResponse(
                            software.amazon.awssdk.core.interceptor.Context.ModifyResponse context,
                            software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                        var response = context.response();
                        if (response instanceof software.amazon.awssdk.services.ec2.model.CreateSecurityGroupResponse) {
                            hideNext.set(true);
                        } else if (response instanceof software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsResponse
                                listing && context.request() instanceof software.amazon.awssdk.services.ec2.model
                                        .DescribeSecurityGroupsRequest request && request.groupIds().isEmpty()
                                && hideNext.getAndSet(false)) {
                            hidden.incrementAndGet();
                            return listing.toBuilder().securityGroups(List.of()).build();
                        }
                        return response;
                    }
                };
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).interceptor(laggingListing).build()) {
            Instance instance = net.instance().interfaces(2).launch();

            ContainmentReport report = engine.contain(net.arn(instance),
                    ContainmentOptions.defaults().withWindowSeconds(0).withSnapshot(false));

            assertThat(hidden.get()).as("a listing right after a create came back without it").isPositive();
            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            SecurityGroup isolation = Ec2InstanceLockdownIT.single(net.groupsNamed(ISOLATION));
            assertThat(isolation.ipPermissions()).isEmpty();
            assertThat(isolation.ipPermissionsEgress()).isEmpty();
            assertThat(GroupRules.of(Ec2InstanceLockdownIT.single(net.groupsNamed(UNTRACKED)).ipPermissions(),
                    Ec2InstanceLockdownIT.single(net.groupsNamed(UNTRACKED)).ipPermissionsEgress()))
                    .isEqualTo(GroupRules.allOpen());
            assertThat(net.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation.groupId()));
        }
    }

    @Test
    void contain_preExistingGroupsWithStrayRules_areRepairedBeforeUse(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            String isolation = net.group(ISOLATION, "made by hand");
            net.ec2().authorizeSecurityGroupIngress(b -> b.groupId(isolation).ipPermissions(IpPermission.builder()
                    .ipProtocol("tcp").fromPort(22).toPort(22).ipRanges(IpRange.builder().cidrIp("10.0.0.0/8").build())
                    .build()));
            String untracked = net.group(UNTRACKED, "made by hand");
            net.ec2().revokeSecurityGroupEgress(b -> b.groupId(untracked).ipPermissions(
                    net.ec2().describeSecurityGroups(d -> d.groupIds(untracked)).securityGroups().get(0).ipPermissionsEgress()));
            net.ec2().authorizeSecurityGroupIngress(b -> b.groupId(untracked).ipPermissions(IpPermission.builder()
                    .ipProtocol("tcp").fromPort(443).toPort(443).ipRanges(IpRange.builder().cidrIp("0.0.0.0/0").build())
                    .build()));
            Instance instance = net.instance().interfaces(2).launch();

            ContainmentReport report = engine.contain(net.arn(instance),
                    ContainmentOptions.defaults().withWindowSeconds(0).withSnapshot(false));

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.step("isolation-group").orElseThrow().detail()).contains(isolation, "repaired", "tcp 22-22");
            assertThat(report.step("untracked-group").orElseThrow().detail()).contains(untracked, "repaired");
            SecurityGroup repairedIsolation = Ec2InstanceLockdownIT.single(net.groupsNamed(ISOLATION));
            assertThat(repairedIsolation.groupId()).isEqualTo(isolation);
            assertThat(repairedIsolation.ipPermissions()).isEmpty();
            assertThat(repairedIsolation.ipPermissionsEgress()).isEmpty();
            assertThat(repairedIsolation.tags()).anySatisfy(t -> {
                assertThat(t.key()).isEqualTo(ContainmentGroups.KIND_TAG);
                assertThat(t.value()).isEqualTo("isolation");
            });
            SecurityGroup repairedUntracked = Ec2InstanceLockdownIT.single(net.groupsNamed(UNTRACKED));
            assertThat(GroupRules.of(repairedUntracked.ipPermissions(), repairedUntracked.ipPermissionsEgress()))
                    .isEqualTo(GroupRules.allOpen());
            assertThat(net.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
        }
    }

    @Test
    void contain_tenConcurrentContainmentsInOneVpc_shareOneGroupOfEachKind(MotoEstate estate) throws Exception {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            List<Instance> instances = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                instances.add(net.launchInstance());
            }
            ExecutorService pool = Executors.newFixedThreadPool(10);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ContainmentReport>> reports = new ArrayList<>();
            try {
                for (Instance instance : instances) {
                    reports.add(pool.submit(() -> {
                        start.await();
                        return engine.contain(net.arn(instance),
                                ContainmentOptions.defaults().withWindowSeconds(0).withSnapshot(false));
                    }));
                }
                start.countDown();
                for (Future<ContainmentReport> future : reports) {
                    ContainmentReport report = future.get();
                    assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
                }
            } finally {
                pool.shutdownNow();
            }

            SecurityGroup untracked = Ec2InstanceLockdownIT.single(net.groupsNamed(UNTRACKED));
            SecurityGroup isolation = Ec2InstanceLockdownIT.single(net.groupsNamed(ISOLATION));
            assertThat(GroupRules.of(untracked.ipPermissions(), untracked.ipPermissionsEgress())).isEqualTo(GroupRules.allOpen());
            assertThat(isolation.ipPermissions()).isEmpty();
            assertThat(isolation.ipPermissionsEgress()).isEmpty();
            for (Instance instance : instances) {
                assertThat(net.groupsOfInterfaces(instance.instanceId()))
                        .allSatisfy(groups -> assertThat(groups).containsExactly(isolation.groupId()));
            }
            long created = reports.stream().map(f -> {
                try {
                    return f.get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).filter(r -> r.step("isolation-group").orElseThrow().status() == StepStatus.DONE
                    && r.step("isolation-group").orElseThrow().detail().contains("created")).count();
            assertThat(created).as("exactly one containment created the isolation group").isEqualTo(1);
        }
    }
}
