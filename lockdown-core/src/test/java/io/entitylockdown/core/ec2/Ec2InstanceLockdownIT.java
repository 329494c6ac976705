package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.SecurityGroupRule;
import software.amazon.awssdk.services.ec2.model.Tag;

@ExtendWith(MotoExtension.class)
class Ec2InstanceLockdownIT {
    static final String ACCOUNT = "111111111111";
    static final String UNTRACKED = ContainmentGroups.Kind.UNTRACKED.groupName;
    static final String ISOLATION = ContainmentGroups.Kind.ISOLATION.groupName;
    static final ContainmentOptions WINDOW_60 = ContainmentOptions.defaults();
    static final ContainmentOptions NO_WINDOW = ContainmentOptions.defaults().withWindowSeconds(0);

    @AfterAll
    static void everyCallDeclared() {
        Ec2Lab.assertEveryCallDeclared();
    }

    @Test
    void contain_threeInterfacesInIpv6Vpc_passesBothPhases_andReleaseRestoresEveryInterface(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(3, null);
            String third = lab.interfaces(instance.instanceId()).stream()
                    .filter(n -> n.attachment().deviceIndex() == 2).findFirst().orElseThrow().networkInterfaceId();
            lab.ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(third).groups(lab.adminGroupId));
            List<List<String>> original = lab.groupsOfInterfaces(instance.instanceId());
            assertThat(original).hasSize(3);

            ContainmentReport phase1 = engine.contain(lab.arn(instance), WINDOW_60);

            assertThat(phase1.outcome()).as(phase1.summary() + phase1.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(phase1.verified()).isTrue();
            assertThat(phase1.nextPhase().phase()).isEqualTo("isolate");
            assertThat(phase1.nextPhase().windowSeconds()).isEqualTo(60);
            SecurityGroup untracked = single(lab.groupsNamed(UNTRACKED));
            assertThat(lab.groupsOfInterfaces(instance.instanceId())).hasSize(3)
                    .allSatisfy(groups -> assertThat(groups).containsExactly(untracked.groupId()));
            assertThat(GroupRules.of(untracked.ipPermissions(), untracked.ipPermissionsEgress()))
                    .isEqualTo(GroupRules.allOpen());
            List<SecurityGroupRule> rules = lab.ec2.describeSecurityGroupRules(b -> b.filters(
                    Filter.builder().name("group-id").values(untracked.groupId()).build())).securityGroupRules();
            assertThat(rules).hasSize(4).allSatisfy(r -> assertThat(r.ipProtocol()).isEqualTo("-1"));
            assertThat(rules.stream().map(r -> (r.isEgress() ? "out " : "in ")
                    + (r.cidrIpv4() != null ? r.cidrIpv4() : r.cidrIpv6())))
                    .containsExactlyInAnyOrder("in 0.0.0.0/0", "in ::/0", "out 0.0.0.0/0", "out ::/0");
            assertThat(lab.groupsNamed(ISOLATION)).isEmpty();
            InstanceState recorded = lab.record(instance).verified().orElseThrow().state();
            assertThat(recorded.interfaces()).hasSize(3);
            assertThat(recorded.phase2DueAt()).isEqualTo(phase1.nextPhase().notBefore());

            ContainmentReport phase2 = engine.isolate(lab.arn(instance), WINDOW_60);

            assertThat(phase2.outcome()).as(phase2.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(phase2.verified()).isTrue();
            SecurityGroup isolation = single(lab.groupsNamed(ISOLATION));
            assertThat(isolation.ipPermissions()).isEmpty();
            assertThat(isolation.ipPermissionsEgress()).isEmpty();
            assertThat(lab.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation.groupId()));
            assertThat(lab.record(instance).verified().orElseThrow().state().phase2DueAt())
                    .as("phase 2 ran: release is not held back any more").isNull();

            ContainmentReport release = engine.release(lab.arn(instance), WINDOW_60);

            assertThat(release.outcome()).as(release.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(release.verified()).isTrue();
            List<List<String>> restored = lab.groupsOfInterfaces(instance.instanceId());
            for (int i = 0; i < 3; i++) {
                assertThat(restored.get(i)).containsExactlyInAnyOrderElementsOf(original.get(i));
            }
            assertThat(restored.get(2)).containsExactly(lab.adminGroupId);
            assertThat(lab.tags(instance.instanceId()).keySet()).noneMatch(k -> k.startsWith(EntityRecords.PREFIX)
                    && !k.startsWith(EntityRecords.RELEASED));
            assertThat(lab.protection(instance.instanceId())).isEqualTo(new InstanceState.ProtectionState(false, false));
        }
    }

    @Test
    void contain_withWindowZero_runsPhaseTwoStraightAway(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(2, null);

            ContainmentReport report = engine.contain(lab.arn(instance), NO_WINDOW);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.nextPhase()).isNull();
            String isolation = single(lab.groupsNamed(ISOLATION)).groupId();
            assertThat(lab.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
            assertThat(stepNames(report)).containsSubsequence("untracked-group", "isolation-group");
        }
    }

    @Test
    void contain_again_changesNothing(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            String profile = lab.profileWithRole("web");
            Instance instance = lab.instance(2, profile);
            engine.contain(lab.arn(instance), NO_WINDOW);
            Map<String, String> tagsAfterFirst = lab.tags(instance.instanceId());
            int snapshots = lab.evidence(instance.instanceId()).size();

            ContainmentReport again = engine.contain(lab.arn(instance), NO_WINDOW);

            assertThat(again.outcome()).as(again.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(again.verified()).isTrue();
            assertThat(again.steps()).as(again.steps().toString())
                    .noneMatch(s -> s.status() == StepStatus.DONE && !s.step().equals("assume-member-role")
                            && !s.step().startsWith("deny-credentials"));
            assertThat(again.steps()).filteredOn(s -> s.step().startsWith("untracked ") || s.step().startsWith("isolate ")
                    || s.step().equals("snapshots") || s.step().endsWith("-protection")
                    || s.step().startsWith("connection-tracking "))
                    .isNotEmpty().allSatisfy(s -> assertThat(s.status()).as(s.toString()).isEqualTo(StepStatus.ALREADY));
            assertThat(lab.tags(instance.instanceId())).isEqualTo(tagsAfterFirst);
            assertThat(lab.evidence(instance.instanceId())).hasSize(snapshots);
            assertThat(lab.groupsNamed(UNTRACKED)).hasSize(1);
            assertThat(lab.groupsNamed(ISOLATION)).hasSize(1);
            assertThat(lab.deniedOnRole(profile)).containsExactly(lab.arn(instance));
        }
    }

    @Test
    void contain_missingInstance_isReportedNotFound_andNothingChanges(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance bystander = lab.instance();
            String arn = "arn:aws:ec2:us-east-1:" + ACCOUNT + ":instance/i-0123456789abcdef0";

            ContainmentReport report = engine.contain(arn, NO_WINDOW);

            assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(stepNames(report)).containsExactly("assume-member-role", "find-instance");
            assertThat(report.step("find-instance").orElseThrow().detail())
                    .contains("i-0123456789abcdef0 was not found", ACCOUNT, "us-east-1", "nothing was changed");
            assertThat(lab.ec2.describeSecurityGroups(b -> b.filters(Filter.builder().name("group-name")
                    .values(UNTRACKED, ISOLATION).build())).securityGroups()).isEmpty();
            assertThat(lab.tags(bystander.instanceId())).isEmpty();
        }
    }

    @Test
    void contain_dryRun_readsOnly_andSaysWhatItWouldDo(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(2, lab.profileWithRole("dry"));
            List<List<String>> before = lab.groupsOfInterfaces(instance.instanceId());

            ContainmentReport report = engine.contain(lab.arn(instance), NO_WINDOW.withDryRun(true));

            assertThat(report.dryRun()).isTrue();
            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.steps()).filteredOn(s -> s.status() == StepStatus.SKIPPED && s.detail().startsWith("dry run: would"))
                    .extracting(StepResult::step)
                    .contains("termination-protection", "stop-protection", "untracked-group", "deny-credentials dry",
                            "record-prior-state", "snapshots");
            assertThat(report.steps()).noneMatch(s -> s.status() == StepStatus.DONE && !s.step().equals("assume-member-role"));
            assertThat(lab.groupsOfInterfaces(instance.instanceId())).isEqualTo(before);
            assertThat(lab.groupsNamed(UNTRACKED)).isEmpty();
            assertThat(lab.tags(instance.instanceId())).isEmpty();
            assertThat(lab.iam.listRolePolicies(b -> b.roleName("dry")).policyNames()).isEmpty();
            assertThat(lab.evidence(instance.instanceId())).isEmpty();
        }
    }

    @Test
    void status_afterContainment_showsPhaseRecordedStateAndTheEvidenceSet(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(2, lab.profileWithRole("st"));
            ContainmentReport before = engine.status(lab.arn(instance));
            assertThat(before.state()).containsEntry("contained", false).containsEntry("networkPhase", "open")
                    .containsEntry("snapshots", List.of());

            engine.contain(lab.arn(instance), WINDOW_60);
            ContainmentReport after = engine.status(lab.arn(instance));

            assertThat(after.outcome()).as(after.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(after.state()).containsEntry("contained", true).containsEntry("networkPhase", "untracked (phase 1)")
                    .containsKey("containedAt").containsEntry("credentialsDenied", Map.of("st", true));
            assertThat((List<?>) after.state().get("snapshots")).as("the evidence set, checked to exist")
                    .isNotEmpty().allSatisfy(id -> assertThat(id.toString()).startsWith("snap-"));
        }
    }

    @Test
    void release_ofInstanceNeverContained_changesNothing(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(2, null);
            List<List<String>> before = lab.groupsOfInterfaces(instance.instanceId());

            ContainmentReport report = engine.release(lab.arn(instance), WINDOW_60);

            assertThat(report.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.step("release").orElseThrow().detail()).contains("is not contained", "nothing was changed");
            assertThat(lab.groupsOfInterfaces(instance.instanceId())).isEqualTo(before);
        }
    }

    @Test
    void release_beforePhaseTwo_isHeldBack_andChangesNothing(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(1, null);
            engine.contain(lab.arn(instance), WINDOW_60);
            List<List<String>> contained = lab.groupsOfInterfaces(instance.instanceId());

            ContainmentReport early = engine.release(lab.arn(instance), WINDOW_60);

            assertThat(early.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(early.step("release").orElseThrow().detail()).contains("phase 2", "would isolate the instance again",
                    "nothing was changed");
            assertThat(lab.groupsOfInterfaces(instance.instanceId())).isEqualTo(contained);
        }
    }

    @Test
    void aPhaseTwoScheduledBeforeARelease_leavesTheReleasedInstanceAlone_butALaterOneIsolates(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(1, null);
            java.time.Instant scheduled = java.time.Instant.now();
            engine.contain(lab.arn(instance), WINDOW_60);
            engine.isolate(lab.arn(instance), WINDOW_60);
            engine.release(lab.arn(instance), WINDOW_60);
            List<List<String>> released = lab.groupsOfInterfaces(instance.instanceId());

            // a duplicate delivery of the phase-2 message of that containment, after the release
            ContainmentReport late = engine.isolate(lab.arn(instance), WINDOW_60, scheduled);

            assertThat(late.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(late.step("isolate").orElseThrow().detail()).contains("released", "after this phase 2");
            assertThat(lab.groupsOfInterfaces(instance.instanceId())).isEqualTo(released);

            ContainmentReport unprompted = engine.isolate(lab.arn(instance), WINDOW_60);
            assertThat(unprompted.outcome()).as(unprompted.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            String isolation = single(lab.groupsNamed(ISOLATION)).groupId();
            assertThat(lab.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
        }
    }

    @Test
    void contain_inSecondAccountAndRegion_throughMemberRole(MotoServer moto) {
        try (Ec2Lab home = new Ec2Lab(moto, ACCOUNT, "us-east-1");
                Ec2Lab lab = new Ec2Lab(moto, "222222222222", "us-west-2");
                LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(2, lab.profileWithRole("west"));
            assertThat(lab.arn(instance)).startsWith("arn:aws:ec2:us-west-2:222222222222:instance/");

            ContainmentReport report = engine.contain(lab.arn(instance), NO_WINDOW);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.account()).isEqualTo("222222222222");
            assertThat(report.region()).isEqualTo("us-west-2");
            assertThat(report.step("assume-member-role").orElseThrow().status()).isEqualTo(StepStatus.DONE);
            String isolation = single(lab.groupsNamed(ISOLATION)).groupId();
            assertThat(lab.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
            assertThat(lab.deniedOnRole("west")).containsExactly(lab.arn(instance));
            assertThat(home.ec2.describeSecurityGroups(b -> b.filters(Filter.builder().name("group-name")
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
}
