package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.TestRecords;
import io.entitylockdown.core.record.RecordReading;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.SecurityGroupRule;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.iam.IamClient;

@ExtendWith(MotoExtension.class)
class Ec2InstanceLockdownIT {
    /** Every call of this class's engines, for the least-privilege check after them. */
    private static final CallRecorder CALLS = new CallRecorder();
    static final String ACCOUNT = MotoEstate.ACCOUNT;
    static final String UNTRACKED = ContainmentGroups.Kind.UNTRACKED.groupName;
    static final String ISOLATION = ContainmentGroups.Kind.ISOLATION.groupName;
    static final ContainmentOptions WINDOW_60 = ContainmentOptions.defaults();
    static final ContainmentOptions NO_WINDOW = ContainmentOptions.defaults().withWindowSeconds(0);

    @AfterAll
    static void everyCallDeclared() {
        TestEngine.assertDeclared(new Ec2InstanceLockdown(), CALLS);
    }

    /**
     * Three interfaces in a dual-stack VPC, the third in the admin group only: the scene of the three tests
     * below, which follow it through phase 1, phase 2 and release.
     */
    private record ThreeInterfaces(Network net, Instance instance, List<List<String>> original) {
        String arn() {
            return net.arn(instance);
        }

        List<List<String>> groups() {
            return net.groupsOfInterfaces(instance.instanceId());
        }
    }

    private static ThreeInterfaces threeInterfacesInIpv6Vpc(MotoEstate estate) {
        Network net = estate.account().network();
        Instance instance = net.instance().interfaces(3).launch();
        String third = net.interfaces(instance.instanceId()).stream()
                .filter(n -> n.attachment().deviceIndex() == 2).findFirst().orElseThrow().networkInterfaceId();
        net.ec2().modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(third).groups(net.adminGroupId()));
        List<List<String>> original = net.groupsOfInterfaces(instance.instanceId());
        assertThat(original).hasSize(3);
        return new ThreeInterfaces(net, instance, original);
    }

    @Test
    void phaseOne_putsEveryInterfaceInTheUntrackedGroup_openBothWays_andRecordsWhenPhaseTwoIsDue(MotoEstate estate) {
        ThreeInterfaces scene = threeInterfacesInIpv6Vpc(estate);
        Network net = scene.net();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            ContainmentReport phase1 = engine.contain(scene.arn(), WINDOW_60);

            assertThat(phase1.outcome()).as(phase1.summary() + phase1.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(phase1.verified()).isTrue();
            assertThat(phase1.nextPhase().phase()).isEqualTo("isolate");
            assertThat(phase1.nextPhase().windowSeconds()).isEqualTo(60);
            SecurityGroup untracked = single(net.groupsNamed(UNTRACKED));
            assertThat(scene.groups()).hasSize(3)
                    .allSatisfy(groups -> assertThat(groups).containsExactly(untracked.groupId()));
            assertThat(GroupRules.of(untracked.ipPermissions(), untracked.ipPermissionsEgress()))
                    .isEqualTo(GroupRules.allOpen());
            List<SecurityGroupRule> rules = net.ec2().describeSecurityGroupRules(b -> b.filters(
                    Filter.builder().name("group-id").values(untracked.groupId()).build())).securityGroupRules();
            assertThat(rules).hasSize(4).allSatisfy(r -> assertThat(r.ipProtocol()).isEqualTo("-1"));
            assertThat(rules.stream().map(r -> (r.isEgress() ? "out " : "in ")
                    + (r.cidrIpv4() != null ? r.cidrIpv4() : r.cidrIpv6())))
                    .containsExactlyInAnyOrder("in 0.0.0.0/0", "in ::/0", "out 0.0.0.0/0", "out ::/0");
            // the group that closes the network again is made before the network is opened, and holds nothing yet
            SecurityGroup isolation = single(net.groupsNamed(ISOLATION));
            assertThat(GroupRules.of(isolation.ipPermissions(), isolation.ipPermissionsEgress())).isEmpty();
            assertThat(scene.groups()).allSatisfy(groups -> assertThat(groups).doesNotContain(isolation.groupId()));
            InstanceState recorded = record(net, scene.instance()).verified().orElseThrow().state();
            assertThat(recorded.interfaces()).hasSize(3);
            assertThat(recorded.phase2DueAt()).isEqualTo(phase1.nextPhase().notBefore());
        }
    }

    @Test
    void phaseTwo_putsEveryInterfaceInTheIsolationGroup_withoutRules_andNoLongerHoldsReleaseBack(MotoEstate estate) {
        ThreeInterfaces scene = threeInterfacesInIpv6Vpc(estate);
        Network net = scene.net();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            engine.contain(scene.arn(), WINDOW_60);

            ContainmentReport phase2 = engine.isolate(scene.arn(), WINDOW_60);

            assertThat(phase2.outcome()).as(phase2.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(phase2.verified()).isTrue();
            SecurityGroup isolation = single(net.groupsNamed(ISOLATION));
            assertThat(isolation.ipPermissions()).isEmpty();
            assertThat(isolation.ipPermissionsEgress()).isEmpty();
            assertThat(scene.groups()).allSatisfy(groups -> assertThat(groups).containsExactly(isolation.groupId()));
            assertThat(record(net, scene.instance()).verified().orElseThrow().state().phase2DueAt())
                    .as("phase 2 ran: release is not held back any more").isNull();
        }
    }

    @Test
    void release_afterBothPhases_restoresEveryInterfacesGroups_andLiftsTheProtections(MotoEstate estate) {
        ThreeInterfaces scene = threeInterfacesInIpv6Vpc(estate);
        Network net = scene.net();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            engine.contain(scene.arn(), WINDOW_60);
            engine.isolate(scene.arn(), WINDOW_60);

            ContainmentReport release = engine.release(scene.arn(), WINDOW_60);

            assertThat(release.outcome()).as(release.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(release.verified()).isTrue();
            List<List<String>> restored = scene.groups();
            for (int i = 0; i < 3; i++) {
                assertThat(restored.get(i)).containsExactlyInAnyOrderElementsOf(scene.original().get(i));
            }
            assertThat(restored.get(2)).containsExactly(net.adminGroupId());
            assertThat(net.tags(scene.instance().instanceId()).keySet()).noneMatch(k -> k.startsWith(EntityRecords.PREFIX)
                    && !k.startsWith(EntityRecords.RELEASED));
            assertThat(net.protection(scene.instance().instanceId())).isEqualTo(new Network.Protection(false, false));
        }
    }

    @Test
    void contain_withWindowZero_runsPhaseTwoStraightAway(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(2).launch();

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.nextPhase()).isNull();
            String isolation = single(net.groupsNamed(ISOLATION)).groupId();
            assertThat(net.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
            // both groups are ready before anything opens (in parallel, so in either order); then every interface
            // goes to the untracked group and after that to the isolation group
            List<String> names = stepNames(report);
            assertThat(names).contains("untracked-group", "isolation-group");
            int lastGroup = Math.max(names.indexOf("untracked-group"), names.indexOf("isolation-group"));
            int firstOpen = indexOfFirst(names, "untracked eni-");
            int firstIsolate = indexOfFirst(names, "isolate eni-");
            assertThat(firstOpen).as(names.toString()).isGreaterThan(lastGroup);
            assertThat(firstIsolate).as(names.toString()).isGreaterThan(firstOpen);
        }
    }

    private static int indexOfFirst(List<String> names, String prefix) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void contain_again_changesNothing(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            String profile = net.instanceProfile("web");
            Instance instance = net.instance().interfaces(2).profile(profile).launch();
            engine.contain(net.arn(instance), NO_WINDOW);
            Map<String, String> tagsAfterFirst = net.tags(instance.instanceId());
            int snapshots = evidence(net, instance.instanceId()).size();

            ContainmentReport again = engine.contain(net.arn(instance), NO_WINDOW);

            assertThat(again.outcome()).as(again.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(again.verified()).isTrue();
            assertThat(again.steps()).as(again.steps().toString())
                    .noneMatch(s -> s.status() == StepStatus.DONE && !s.step().equals("assume-member-role")
                            && !s.step().startsWith("deny-credentials"));
            assertThat(again.steps()).filteredOn(s -> s.step().startsWith("untracked ") || s.step().startsWith("isolate ")
                    || s.step().equals("snapshots") || s.step().endsWith("-protection")
                    || s.step().startsWith("connection-tracking "))
                    .isNotEmpty().allSatisfy(s -> assertThat(s.status()).as(s.toString()).isEqualTo(StepStatus.ALREADY));
            assertThat(net.tags(instance.instanceId())).isEqualTo(tagsAfterFirst);
            assertThat(evidence(net, instance.instanceId())).hasSize(snapshots);
            assertThat(net.groupsNamed(UNTRACKED)).hasSize(1);
            assertThat(net.groupsNamed(ISOLATION)).hasSize(1);
            assertThat(deniedOnRole(net, profile)).containsExactly(net.arn(instance));
        }
    }

    @Test
    void contain_missingInstance_isReportedNotFound_andNothingChanges(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance bystander = net.launchInstance();
            String arn = "arn:aws:ec2:us-east-1:" + ACCOUNT + ":instance/i-0123456789abcdef0";

            ContainmentReport report = engine.contain(arn, NO_WINDOW);

            assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(stepNames(report)).containsExactly("assume-member-role", "find-instance");
            assertThat(report.step("find-instance").orElseThrow().detail())
                    .contains("i-0123456789abcdef0 was not found", ACCOUNT, "us-east-1", "nothing was changed");
            assertThat(net.ec2().describeSecurityGroups(b -> b.filters(Filter.builder().name("group-name")
                    .values(UNTRACKED, ISOLATION).build())).securityGroups()).isEmpty();
            assertThat(net.tags(bystander.instanceId())).isEmpty();
        }
    }

    @Test
    void contain_dryRun_readsOnly_andSaysWhatItWouldDo(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(2).profile(net.instanceProfile("dry")).launch();
            List<List<String>> before = net.groupsOfInterfaces(instance.instanceId());

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW.withDryRun(true));

            assertThat(report.dryRun()).isTrue();
            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.steps()).filteredOn(s -> s.status() == StepStatus.SKIPPED && s.detail().startsWith("dry run: would"))
                    .extracting(StepResult::step)
                    .contains("termination-protection", "stop-protection", "untracked-group", "deny-credentials dry",
                            "record-prior-state", "snapshots");
            assertThat(report.steps()).noneMatch(s -> s.status() == StepStatus.DONE && !s.step().equals("assume-member-role"));
            assertThat(net.groupsOfInterfaces(instance.instanceId())).isEqualTo(before);
            assertThat(net.groupsNamed(UNTRACKED)).isEmpty();
            assertThat(net.tags(instance.instanceId())).isEmpty();
            assertThat(net.account().iam().listRolePolicies(b -> b.roleName("dry")).policyNames()).isEmpty();
            assertThat(evidence(net, instance.instanceId())).isEmpty();
        }
    }

    @Test
    void status_afterContainment_showsPhaseRecordedStateAndTheEvidenceSet(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(2).profile(net.instanceProfile("st")).launch();
            ContainmentReport before = engine.status(net.arn(instance));
            assertThat(before.state()).containsEntry("contained", false).containsEntry("networkPhase", "open")
                    .containsEntry("snapshots", List.of());

            engine.contain(net.arn(instance), WINDOW_60);
            ContainmentReport after = engine.status(net.arn(instance));

            assertThat(after.outcome()).as(after.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(after.state()).containsEntry("contained", true).containsEntry("networkPhase", "untracked (phase 1)")
                    .containsKey("containedAt").containsEntry("credentialsDenied", Map.of("st", true));
            assertThat((List<?>) after.state().get("snapshots")).as("the evidence set, checked to exist")
                    .isNotEmpty().allSatisfy(id -> assertThat(id.toString()).startsWith("snap-"));
        }
    }

    @Test
    void release_ofInstanceNeverContained_changesNothing(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(2).launch();
            List<List<String>> before = net.groupsOfInterfaces(instance.instanceId());

            ContainmentReport report = engine.release(net.arn(instance), WINDOW_60);

            assertThat(report.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.step("release").orElseThrow().detail()).contains("is not contained", "nothing was changed");
            assertThat(net.groupsOfInterfaces(instance.instanceId())).isEqualTo(before);
        }
    }

    @Test
    void release_beforePhaseTwo_isHeldBack_andChangesNothing(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(1).launch();
            engine.contain(net.arn(instance), WINDOW_60);
            List<List<String>> contained = net.groupsOfInterfaces(instance.instanceId());

            ContainmentReport early = engine.release(net.arn(instance), WINDOW_60);

            assertThat(early.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(early.step("release").orElseThrow().detail()).contains("phase 2", "would isolate the instance again",
                    "nothing was changed");
            assertThat(net.groupsOfInterfaces(instance.instanceId())).isEqualTo(contained);
        }
    }

    @Test
    void aPhaseTwoScheduledBeforeARelease_leavesTheReleasedInstanceAlone(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(1).launch();
            java.time.Instant scheduled = java.time.Instant.now();
            engine.contain(net.arn(instance), WINDOW_60);
            engine.isolate(net.arn(instance), WINDOW_60);
            engine.release(net.arn(instance), WINDOW_60);
            List<List<String>> released = net.groupsOfInterfaces(instance.instanceId());

            // a duplicate delivery of the phase-2 message of that containment, after the release
            ContainmentReport late = engine.isolate(net.arn(instance), WINDOW_60, scheduled);

            assertThat(late.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(late.step("isolate").orElseThrow().detail()).contains("released", "after this phase 2");
            assertThat(net.groupsOfInterfaces(instance.instanceId())).isEqualTo(released);
        }
    }

    @Test
    void aPhaseTwoAskedForAfterARelease_withoutASchedule_isolatesTheInstance(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(1).launch();
            engine.contain(net.arn(instance), WINDOW_60);
            engine.isolate(net.arn(instance), WINDOW_60);
            engine.release(net.arn(instance), WINDOW_60);

            ContainmentReport unprompted = engine.isolate(net.arn(instance), WINDOW_60);

            assertThat(unprompted.outcome()).as(unprompted.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            String isolation = single(net.groupsNamed(ISOLATION)).groupId();
            assertThat(net.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
        }
    }

    @Test
    void contain_inSecondAccountAndRegion_throughMemberRole(MotoEstate estate) {
        Network home = estate.account().network();
        Network net = estate.account("222222222222").network("us-west-2");
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(2).profile(net.instanceProfile("west")).launch();
            assertThat(net.arn(instance)).startsWith("arn:aws:ec2:us-west-2:222222222222:instance/");

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.account()).isEqualTo("222222222222");
            assertThat(report.region()).isEqualTo("us-west-2");
            assertThat(report.step("assume-member-role").orElseThrow().status()).isEqualTo(StepStatus.DONE);
            String isolation = single(net.groupsNamed(ISOLATION)).groupId();
            assertThat(net.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
            assertThat(deniedOnRole(net, "west")).containsExactly(net.arn(instance));
            assertThat(home.ec2().describeSecurityGroups(b -> b.filters(Filter.builder().name("group-name")
                    .values(UNTRACKED, ISOLATION).build())).securityGroups()).as("nothing in the home account").isEmpty();
        }
    }

    static SecurityGroup single(List<SecurityGroup> groups) {
        assertThat(groups).hasSize(1);
        return groups.get(0);
    }

    static List<String> stepNames(ContainmentReport report) {
        return report.steps().stream().map(StepResult::step).toList();
    }

    /** The record on the instance, read with the test deployment's key. */
    static RecordReading<InstanceState> record(Network net, Instance instance) {
        return TestRecords.read(net.tags(instance.instanceId()), net.arn(instance), InstanceState.class);
    }

    /** Snapshots tagged as evidence of this instance. */
    static List<Snapshot> evidence(Network net, String instanceId) {
        return net.snapshotsTagged(Evidence.INSTANCE_TAG, instanceId);
    }

    /** The instance ARNs the role's per-instance lockdown policies deny (each exactly the lockdown's document). */
    static Set<String> deniedOnRole(Network net, String role) {
        IamClient iam = net.account().iam();
        Set<String> arns = new TreeSet<>();
        for (String name : iam.listRolePolicies(b -> b.roleName(role)).policyNames()) {
            if (name.startsWith(CredentialDenyPolicy.PER_INSTANCE_PREFIX)) {
                CredentialDenyPolicy.instanceArns(iam.getRolePolicy(b -> b.roleName(role).policyName(name)).policyDocument())
                        .ifPresent(arns::addAll);
            }
        }
        return arns;
    }
}
