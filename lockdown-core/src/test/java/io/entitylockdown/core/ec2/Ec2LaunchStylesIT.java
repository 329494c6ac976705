package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;

/**
 * The ways people launch instances, through both phases and release. Most instances are launched with
 * {@code --security-group-ids}: their groups are instance-level, which AWS shows as the primary
 * interface's groups and moto keeps apart, adding them to every interface. The lockdown sets the
 * primary interface's groups both ways, so the result is right on AWS and on moto.
 */
@ExtendWith(MotoExtension.class)
class Ec2LaunchStylesIT {
    static final String ACCOUNT = "111111111111";
    static final ContainmentOptions WINDOW = ContainmentOptions.defaults().withSnapshot(false);

    @AfterAll
    static void everyCallDeclared() {
        Ec2Lab.assertEveryCallDeclared();
    }

    /** Interface id to its groups (as sets: the order of groups means nothing). */
    static Map<String, TreeSet<String>> groups(Ec2Lab lab, String instanceId) {
        Map<String, TreeSet<String>> groups = new LinkedHashMap<>();
        for (NetworkInterface eni : lab.interfaces(instanceId)) {
            groups.put(eni.networkInterfaceId(), new TreeSet<>(eni.groups().stream().map(g -> g.groupId()).toList()));
        }
        return groups;
    }

    /** Phase 1, phase 2 and release, checking every interface at each step and the originals at the end. */
    static void containIsolateRelease(Ec2Lab lab, LockdownEngine engine, Instance instance) {
        String id = instance.instanceId();
        Map<String, TreeSet<String>> original = groups(lab, id);

        ContainmentReport phase1 = engine.contain(lab.arn(instance), WINDOW);

        assertThat(phase1.outcome()).as(phase1.summary() + phase1.steps()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(phase1.verified()).isTrue();
        String untracked = Ec2InstanceLockdownIT.single(lab.groupsNamed(Ec2InstanceLockdownIT.UNTRACKED)).groupId();
        assertThat(groups(lab, id).values()).hasSize(original.size()).allSatisfy(g -> assertThat(g).containsExactly(untracked));

        ContainmentReport phase2 = engine.isolate(lab.arn(instance), WINDOW);

        assertThat(phase2.outcome()).as(phase2.summary() + phase2.steps()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(phase2.verified()).isTrue();
        String isolation = Ec2InstanceLockdownIT.single(lab.groupsNamed(Ec2InstanceLockdownIT.ISOLATION)).groupId();
        assertThat(groups(lab, id).values()).allSatisfy(g -> assertThat(g).containsExactly(isolation));

        ContainmentReport release = engine.release(lab.arn(instance), WINDOW);

        assertThat(release.outcome()).as(release.summary() + release.steps()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(release.verified()).isTrue();
        assertThat(groups(lab, id)).isEqualTo(original);
        assertThat(lab.protection(id)).isEqualTo(new InstanceState.ProtectionState(false, false));
    }

    @Test
    void launchedWithSecurityGroupIds_oneInterface(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instanceWithSecurityGroupIds(null, lab.appGroupId);
            assertThat(lab.describe(instance.instanceId()).securityGroups()).as("instance-level groups").isNotEmpty();

            containIsolateRelease(lab, engine, instance);
        }
    }

    @Test
    void launchedWithSecurityGroupIds_twoGroups_andAnInterfaceAttachedLater(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instanceWithSecurityGroupIds(lab.profileWithRole("sg-ids"), lab.appGroupId,
                    lab.adminGroupId);
            String dbGroup = lab.group("db", "database");
            lab.attachInterface(instance.instanceId(), 1, dbGroup);

            containIsolateRelease(lab, engine, instance);
        }
    }

    /**
     * AWS refuses ModifyInstanceAttribute --groups on an instance with several interfaces; moto accepts it.
     * The interceptor lets moto apply the call (moto's model needs it) and then answers the engine as AWS
     * does, so the run shows what AWS would: the interface calls carry the change, nothing fails.
     */
    @Test
    void launchedWithSecurityGroupIds_twoInterfaces_whereAwsRefusesTheInstanceLevelCall(MotoServer moto) {
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor asAws =
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public void afterExecution(software.amazon.awssdk.core.interceptor.Context.AfterExecution context,
                            software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                        if (context.request() instanceof software.amazon.awssdk.services.ec2.model.ModifyInstanceAttributeRequest modify
                                && modify.hasGroups()) {
                            refused.incrementAndGet();
                            throw software.amazon.awssdk.services.ec2.model.Ec2Exception.builder().statusCode(400)
                                    .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                                            .errorCode("InvalidInstanceID").serviceName("Ec2")
                                            .errorMessage("There are multiple interfaces attached to instance '"
                                                    + modify.instanceId() + "'. Please specify an interface ID for "
                                                    + "the operation instead.").build())
                                    .build();
                        }
                    }
                };
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1");
                LockdownEngine engine = Ec2Lab.engine(moto, Guardrails.minimal(TestAws.MEMBER_ROLE), asAws)) {
            Instance instance = lab.instanceWithSecurityGroupIds(null, lab.appGroupId);
            lab.attachInterface(instance.instanceId(), 1, lab.group("db", "database"));

            containIsolateRelease(lab, engine, instance);

            assertThat(refused.get()).as("the instance-level call was made and refused in every phase").isEqualTo(3);
        }
    }

    @Test
    void launchedWithNetworkInterfaces_threeInterfacesWithDifferentGroups(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(3, null);
            List<NetworkInterface> interfaces = lab.interfaces(instance.instanceId());
            String web = lab.group("web", "web");
            lab.ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(interfaces.get(1).networkInterfaceId())
                    .groups(lab.adminGroupId));
            lab.ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(interfaces.get(2).networkInterfaceId())
                    .groups(web, lab.appGroupId));

            containIsolateRelease(lab, engine, instance);
        }
    }

    @Test
    void launchedWithNetworkInterfaces_anInterfaceAttachedLater(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(1, null);
            lab.attachInterface(instance.instanceId(), 1, lab.adminGroupId);

            containIsolateRelease(lab, engine, instance);
        }
    }

    @Test
    void anInterfaceAttachedDuringTheWindow_isIsolatedByPhaseTwo_andRestoredByRelease(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instanceWithSecurityGroupIds(null, lab.appGroupId);
            Map<String, TreeSet<String>> before = groups(lab, instance.instanceId());
            assertThat(engine.contain(lab.arn(instance), WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);
            String late = lab.attachInterface(instance.instanceId(), 1, lab.adminGroupId);

            ContainmentReport phase2 = engine.isolate(lab.arn(instance), WINDOW);

            assertThat(phase2.outcome()).as(phase2.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(phase2.step("record-new-interfaces")).isPresent();
            String isolation = Ec2InstanceLockdownIT.single(lab.groupsNamed(Ec2InstanceLockdownIT.ISOLATION)).groupId();
            assertThat(groups(lab, instance.instanceId()).values()).hasSize(2)
                    .allSatisfy(g -> assertThat(g).containsExactly(isolation));

            ContainmentReport release = engine.release(lab.arn(instance), WINDOW);

            assertThat(release.outcome()).as(release.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            Map<String, TreeSet<String>> after = groups(lab, instance.instanceId());
            before.forEach((eni, groups) -> assertThat(after.get(eni)).isEqualTo(groups));
            // its own group back (moto also adds the instance-level groups to it; AWS does not)
            assertThat(after.get(late)).contains(lab.adminGroupId).noneMatch(g -> g.equals(isolation));
        }
    }

    @Test
    void driftDuringContainment_isRepairedByContainingAgain_withoutLosingTheOriginals(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instanceWithSecurityGroupIds(null, lab.appGroupId);
            String id = instance.instanceId();
            Map<String, TreeSet<String>> original = groups(lab, id);
            engine.contain(lab.arn(instance), WINDOW);
            engine.isolate(lab.arn(instance), WINDOW);
            // someone puts the interface back into an open group, both ways
            String open = lab.group("attacker-open", "all open");
            String eni = original.keySet().iterator().next();
            lab.ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(eni).groups(open));
            lab.ec2.modifyInstanceAttribute(b -> b.instanceId(id).groups(open));

            ContainmentReport repaired = engine.contain(lab.arn(instance), WINDOW.withWindowSeconds(0));

            assertThat(repaired.outcome()).as(repaired.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            String isolation = Ec2InstanceLockdownIT.single(lab.groupsNamed(Ec2InstanceLockdownIT.ISOLATION)).groupId();
            assertThat(groups(lab, id).values()).allSatisfy(g -> assertThat(g).containsExactly(isolation));
            assertThat(lab.record(instance).verified().orElseThrow().state().interfaces().get(eni).groups())
                    .as("the original groups, not the attacker's").containsExactly(lab.appGroupId);

            assertThat(engine.release(lab.arn(instance), WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(groups(lab, id)).isEqualTo(original);
        }
    }

    @Test
    void anInterfaceDetachedDuringContainment_getsItsGroupsBackByIdOnRelease(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(1, null);
            String extra = lab.attachInterface(instance.instanceId(), 1, lab.adminGroupId);
            TreeSet<String> before = groups(lab, instance.instanceId()).get(extra);
            engine.contain(lab.arn(instance), WINDOW.withWindowSeconds(0));
            String attachment = lab.ec2.describeNetworkInterfaces(b -> b.networkInterfaceIds(extra)).networkInterfaces()
                    .get(0).attachment().attachmentId();
            lab.ec2.detachNetworkInterface(b -> b.attachmentId(attachment).force(true));

            ContainmentReport release = engine.release(lab.arn(instance), WINDOW);

            assertThat(release.step("restore-groups " + extra).orElseThrow().detail()).contains("no longer attached");
            var eni = lab.ec2.describeNetworkInterfaces(b -> b.networkInterfaceIds(extra)).networkInterfaces().get(0);
            assertThat(new TreeSet<>(eni.groups().stream().map(g -> g.groupId()).toList())).isEqualTo(before);
        }
    }
}
