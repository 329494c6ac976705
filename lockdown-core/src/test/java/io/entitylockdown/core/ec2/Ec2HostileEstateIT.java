package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.record.RecordBinding;
import io.entitylockdown.core.record.RecordKey;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.ModifyInstanceAttributeRequest;
import software.amazon.awssdk.services.ec2.model.ModifyNetworkInterfaceAttributeRequest;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * EC2 against an attacker who controls the instance's tags and its account's security groups, and
 * when things go wrong after the network was opened: it always ends in the isolation group, never open.
 * Every test asserts the AWS state afterwards.
 */
@ExtendWith(MotoExtension.class)
class Ec2HostileEstateIT {
    /** Every call of this class's engines, for the least-privilege check after them. */
    private static final CallRecorder CALLS = new CallRecorder();
    static final String ACCOUNT = MotoEstate.ACCOUNT;
    static final ContainmentOptions WINDOW = ContainmentOptions.defaults().withSnapshot(false);
    static final ContainmentOptions NO_WINDOW = WINDOW.withWindowSeconds(0);

    @AfterAll
    static void everyCallDeclared() {
        TestEngine.assertDeclared(new Ec2InstanceLockdown(), CALLS);
    }

    private static void tag(Network net, String instanceId, Map<String, String> tags) {
        net.ec2().createTags(b -> b.resources(instanceId).tags(tags.entrySet().stream()
                .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList()));
    }

    private static String isolationGroup(Network net) {
        return Ec2InstanceLockdownIT.single(net.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName)).groupId();
    }

    private static void assertIsolated(Network net, Instance instance) {
        String isolation = isolationGroup(net);
        assertThat(net.groupsOfInterfaces(instance.instanceId())).isNotEmpty()
                .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
    }

    @Test
    void aRecordOfTheWrongShape_crashesNothing_andTheInstanceEndsIsolated(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(2).launch();
            List<List<String>> original = net.groupsOfInterfaces(instance.instanceId());
            String wrongShape = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    "{\"roles\":\"x\",\"interfaces\":[]}".getBytes(StandardCharsets.UTF_8));
            tag(net, instance.instanceId(), Map.of("lockdown:record-abcdefgh-0", wrongShape, "lockdown:record-abcdefgh-mac", "AAAA",
                    "lockdown:state-0", wrongShape, EntityRecords.MARKER, "not a time"));

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("could not be authenticated"));
            assertIsolated(net, instance);
            assertThat(net.tags(instance.instanceId())).doesNotContainKey("lockdown:state-0");
            assertThat(Ec2InstanceLockdownIT.record(net, instance).isVerified()).isTrue();

            assertThat(engine.release(net.arn(instance), WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(net.groupsOfInterfaces(instance.instanceId())).isEqualTo(original);
        }
    }

    @Test
    void aForgedNetworkRecord_neverMakesReleaseAttachTheAttackersGroup(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(1).launch();
            String id = instance.instanceId();
            List<List<String>> original = net.groupsOfInterfaces(id);
            String eni = net.interfaces(id).get(0).networkInterfaceId();
            String open = net.group("attacker-open", "everything");
            InstanceState forged = new InstanceState(Map.of(eni, new InstanceState.InterfaceState(List.of(open), "")),
                    new InstanceState.ProtectionState(false, false), List.of(), null, List.of(), List.of(), null, List.of());
            RecordBinding binding = RecordBinding.of(io.entitylockdown.core.EntityArn.parse(net.arn(instance)));
            Map<String, String> forgedTags = EntityRecords.encode(RecordKey.fromSecret("not the deployment secret"),
                    binding, Instant.now().minusSeconds(3600), forged);
            assertThat(engine.contain(net.arn(instance), NO_WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);

            // a forged record added beside the genuine one is ignored: release restores the true originals
            tag(net, id, forgedTags);
            assertThat(engine.release(net.arn(instance), WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(net.groupsOfInterfaces(id)).isEqualTo(original);

            // the genuine record erased and the forged one left alone: release restores nothing
            assertThat(engine.contain(net.arn(instance), NO_WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);
            net.ec2().deleteTags(b -> b.resources(id).tags(net.tags(id).keySet().stream()
                    .filter(k -> k.startsWith("lockdown:")).map(k -> Tag.builder().key(k).build()).toList()));
            tag(net, id, forgedTags);

            ContainmentReport release = engine.release(net.arn(instance), WINDOW);

            assertThat(release.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(release.step("release").orElseThrow().detail()).contains("signature does not match",
                    "Nothing was restored");
            assertIsolated(net, instance);
            assertThat(net.groupsOfInterfaces(id).get(0)).doesNotContain(open);
        }
    }

    @Test
    void aLookAlikeIsolationGroup_withRulesTheAttackerAdded_isRepairedBeforeUse(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            String lookAlike = net.group(ContainmentGroups.Kind.ISOLATION.groupName, "looks like the lockdown's");
            net.ec2().authorizeSecurityGroupIngress(b -> b.groupId(lookAlike).ipPermissions(IpPermission.builder()
                    .ipProtocol("-1").ipRanges(IpRange.builder().cidrIp("0.0.0.0/0").build()).build()));
            Instance instance = net.instance().interfaces(1).launch();

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.step("isolation-group").orElseThrow().detail()).contains("repaired");
            var group = Ec2InstanceLockdownIT.single(net.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName));
            assertThat(group.ipPermissions()).isEmpty();
            assertThat(group.ipPermissionsEgress()).isEmpty();
            assertIsolated(net, instance);
        }
    }

    @Test
    void aLookAlikeCredentialsPolicy_isRewrittenToTheLockdownsDocument(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            String role = net.instanceProfile("planted");
            Instance instance = net.instance().interfaces(1).profile(role).launch();
            String name = CredentialDenyPolicy.perInstanceName(instance.instanceId());
            net.account().iam().putRolePolicy(b -> b.roleName(role).policyName(name).policyDocument(
                    CredentialDenyPolicy.document(List.of("arn:aws:ec2:us-east-1:" + ACCOUNT + ":instance/i-00000000"))));
            assertThat(Ec2InstanceLockdownIT.deniedOnRole(net, role)).doesNotContain(net.arn(instance));

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(Ec2InstanceLockdownIT.deniedOnRole(net, role)).containsExactly(net.arn(instance));
        }
    }

    @Test
    void aHostileAutoScalingGroupName_isQuotedInTheCommandsPrinted(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            var autoScaling = net.account().autoScaling(net.region());
            String image = net.imageId();
            net.ec2().createLaunchTemplate(b -> b.launchTemplateName("t").launchTemplateData(d -> d.imageId(image)
                    .instanceType("t3.micro")));
            String hostile = "web asg;touch /tmp/x";
            autoScaling.createAutoScalingGroup(b -> b.autoScalingGroupName(hostile).minSize(1).maxSize(2)
                    .desiredCapacity(1).launchTemplate(t -> t.launchTemplateName("t")).vpcZoneIdentifier(net.subnetId()));
            String id = autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames(hostile)).autoScalingGroups()
                    .get(0).instances().get(0).instanceId();
            Instance instance = net.describe(id);
            engine.contain(net.arn(instance), NO_WINDOW);

            ContainmentReport release = engine.release(net.arn(instance), WINDOW);

            assertThat(release.notes()).anySatisfy(n -> assertThat(n)
                    .contains("--auto-scaling-group-name 'web asg;touch /tmp/x' --instance-ids " + id));
        }
    }

    /** Records the groups every ModifyNetworkInterfaceAttribute sets. */
    static final class GroupMoves implements ExecutionInterceptor {
        final List<List<String>> moves = new CopyOnWriteArrayList<>();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof ModifyNetworkInterfaceAttributeRequest request && request.hasGroups()) {
                moves.add(request.groups());
            }
        }
    }

    @Test
    void whenPhaseTwoCannotBeScheduled_theNetworkIsNeverOpened_andGoesStraightToIsolation(MotoEstate estate) {
        GroupMoves moves = new GroupMoves();
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS, moves).build()) {
            Instance instance = net.instance().interfaces(2).launch();

            ContainmentReport report = engine.contain(net.arn(instance), WINDOW, (arn, notBefore, window) -> {
                throw new IllegalStateException("the delay queue is unreachable");
            });

            assertThat(report.step("schedule-phase-2").orElseThrow().status()).isEqualTo(StepStatus.FAILED);
            assertThat(report.outcome()).isEqualTo(Outcome.PARTIAL);
            assertThat(report.nextPhase()).isNull();
            assertIsolated(net, instance);
            assertThat(net.groupsNamed(ContainmentGroups.Kind.UNTRACKED.groupName)).allSatisfy(untracked ->
                    assertThat(moves.moves).noneMatch(groups -> groups.contains(untracked.groupId())));
            assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("never opened without a phase 2"));
        }
    }

    @Test
    void aFailureAfterTheInterfacesWereOpened_isolatesThemAtOnce(MotoEstate estate) {
        // the protections are turned on in the same wave that opens the interfaces to the untracked group
        ExecutionInterceptor protectionFails = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof ModifyInstanceAttributeRequest modify
                        && modify.disableApiTermination() != null) {
                    throw new IllegalStateException("injected: termination protection could not be set");
                }
            }
        };
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS, protectionFails).build()) {
            Instance instance = net.instance().interfaces(2).profile(net.instanceProfile("web")).launch();

            ContainmentReport report = engine.contain(net.arn(instance), WINDOW.withSnapshot(true));

            assertThat(report.step("termination-protection").orElseThrow().status()).as(report.steps().toString())
                    .isEqualTo(StepStatus.FAILED);
            assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("fail closed"));
            assertThat(report.nextPhase()).as("phase 2 is done already").isNull();
            assertIsolated(net, instance);
        }
    }

    @Test
    void tagsWipedAndInterfacesMovedBackDuringTheWindow_phaseTwoIsolatesAnyway(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().securityGroupIds(net.appGroupId()).launch();
            String id = instance.instanceId();
            Instant scheduled = Instant.now();
            assertThat(engine.contain(net.arn(instance), WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);
            // the attacker, still holding other credentials, undoes phase 1 and erases the record
            net.ec2().deleteTags(b -> b.resources(id).tags(net.tags(id).keySet().stream()
                    .map(k -> Tag.builder().key(k).build()).toList()));
            String eni = net.interfaces(id).get(0).networkInterfaceId();
            net.ec2().modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(eni).groups(net.appGroupId()));
            net.ec2().modifyInstanceAttribute(b -> b.instanceId(id).groups(net.appGroupId()));

            ContainmentReport phase2 = engine.isolate(net.arn(instance), WINDOW, scheduled);

            assertThat(phase2.outcome()).as(phase2.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertIsolated(net, instance);
        }
    }

    /**
     * The record key derives from the deployment secret, which stands in every member role's trust policy:
     * someone who read it signs a release note that postdates phase 1. The interfaces are still in the
     * untracked group, so phase 2 isolates them anyway.
     */
    @Test
    void aReleaseNoteSignedByWhoeverKnowsTheSecret_neverStopsPhaseTwoWhileTheNetworkIsOpen(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().securityGroupIds(net.appGroupId()).launch();
            String id = instance.instanceId();
            Instant scheduled = Instant.now();
            assertThat(engine.contain(net.arn(instance), WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);
            RecordKey derivedFromTheSecret = RecordKey.fromSecret(MotoEstate.EXTERNAL_ID);
            Map<String, String> forged = EntityRecords.encodeRelease(derivedFromTheSecret,
                    RecordBinding.of(io.entitylockdown.core.EntityArn.parse(net.arn(instance))), scheduled.plusSeconds(5));
            net.ec2().createTags(b -> b.resources(id).tags(forged.entrySet().stream()
                    .map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build()).toList()));

            ContainmentReport phase2 = engine.isolate(net.arn(instance), WINDOW, scheduled);

            assertThat(phase2.outcome()).as(phase2.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertIsolated(net, instance);
        }
    }
}
