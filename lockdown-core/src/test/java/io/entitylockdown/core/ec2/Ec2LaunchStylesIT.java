package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.ModifyInstanceAttributeRequest;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;

/**
 * The ways people launch instances, through both phases and release. Most instances are launched with
 * {@code --security-group-ids}: their groups are instance-level, which AWS shows as the primary
 * interface's groups and moto keeps apart, adding them to every interface. The lockdown sets the
 * primary interface's groups both ways, so the result is right on AWS and on moto.
 */
@ExtendWith(MotoExtension.class)
class Ec2LaunchStylesIT {
    /** Every call of this class's engines, for the least-privilege check after them. */
    private static final CallRecorder CALLS = new CallRecorder();
    static final ContainmentOptions WINDOW = ContainmentOptions.defaults().withSnapshot(false);

    @AfterAll
    static void everyCallDeclared() {
        TestEngine.assertDeclared(new Ec2InstanceLockdown(), CALLS);
    }

    /** Interface id to its groups (as sets: the order of groups means nothing). */
    static Map<String, TreeSet<String>> groups(Network net, String instanceId) {
        Map<String, TreeSet<String>> groups = new LinkedHashMap<>();
        for (NetworkInterface eni : net.interfaces(instanceId)) {
            groups.put(eni.networkInterfaceId(), new TreeSet<>(eni.groups().stream().map(g -> g.groupId()).toList()));
        }
        return groups;
    }

    /**
     * AWS refuses ModifyInstanceAttribute --groups on an instance with several interfaces; moto accepts it.
     * This lets moto apply the call (moto's model needs it) and then answers the engine as AWS does, so the
     * run shows what AWS would: the interface calls carry the change, nothing fails.
     */
    static final class AwsRefusal implements ExecutionInterceptor {
        final AtomicInteger refused = new AtomicInteger();

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof ModifyInstanceAttributeRequest modify && modify.hasGroups()) {
                refused.incrementAndGet();
                throw Ec2Exception.builder().statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("InvalidInstanceID").serviceName("Ec2")
                        .errorMessage("There are multiple interfaces attached to instance '" + modify.instanceId()
                                + "'. Please specify an interface ID for the operation instead.").build())
                        .build();
            }
        }
    }

    /** The ways people launch instances (and change them afterwards). */
    enum LaunchStyle {
        SECURITY_GROUP_IDS_ONE_INTERFACE {
            @Override
            Instance launch(Network net) {
                Instance instance = net.instance().securityGroupIds(net.appGroupId()).launch();
                assertThat(net.describe(instance.instanceId()).securityGroups()).as("instance-level groups").isNotEmpty();
                return instance;
            }
        },
        SECURITY_GROUP_IDS_TWO_GROUPS_AND_AN_INTERFACE_ATTACHED_LATER {
            @Override
            Instance launch(Network net) {
                Instance instance = net.instance().securityGroupIds(net.appGroupId(), net.adminGroupId())
                        .profile(net.instanceProfile("sg-ids")).launch();
                net.attachInterface(instance.instanceId(), 1, net.group("db", "database"));
                return instance;
            }
        },
        /** The engine meets AWS's refusal of the instance-level call ({@link AwsRefusal}). */
        SECURITY_GROUP_IDS_TWO_INTERFACES_WHERE_AWS_REFUSES_THE_INSTANCE_LEVEL_CALL {
            @Override
            Instance launch(Network net) {
                Instance instance = net.instance().securityGroupIds(net.appGroupId()).launch();
                net.attachInterface(instance.instanceId(), 1, net.group("db", "database"));
                return instance;
            }

            @Override
            boolean awsRefusesTheInstanceLevelCall() {
                return true;
            }
        },
        NETWORK_INTERFACES_THREE_WITH_DIFFERENT_GROUPS {
            @Override
            Instance launch(Network net) {
                Instance instance = net.instance().interfaces(3).launch();
                List<NetworkInterface> interfaces = net.interfaces(instance.instanceId());
                String web = net.group("web", "web");
                net.ec2().modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(interfaces.get(1).networkInterfaceId())
                        .groups(net.adminGroupId()));
                net.ec2().modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(interfaces.get(2).networkInterfaceId())
                        .groups(web, net.appGroupId()));
                return instance;
            }
        },
        NETWORK_INTERFACES_AND_AN_INTERFACE_ATTACHED_LATER {
            @Override
            Instance launch(Network net) {
                Instance instance = net.instance().interfaces(1).launch();
                net.attachInterface(instance.instanceId(), 1, net.adminGroupId());
                return instance;
            }
        };

        abstract Instance launch(Network net);

        boolean awsRefusesTheInstanceLevelCall() {
            return false;
        }
    }

    /** An instance launched in one style, its groups before containment, and an engine that meets AWS's rules. */
    private record Scene(Network net, Instance instance, Map<String, TreeSet<String>> original, AwsRefusal refusal,
            LockdownEngine engine) implements AutoCloseable {
        static Scene of(LaunchStyle style, MotoEstate estate) {
            Network net = estate.account().network();
            Instance instance = style.launch(net);
            AwsRefusal refusal = new AwsRefusal();
            TestEngine.Builder engine = TestEngine.builder(estate).interceptor(CALLS);
            if (style.awsRefusesTheInstanceLevelCall()) {
                engine.interceptor(refusal);
            }
            return new Scene(net, instance, groups(net, instance.instanceId()), refusal, engine.build());
        }

        String arn() {
            return net.arn(instance);
        }

        Map<String, TreeSet<String>> groupsNow() {
            return groups(net, instance.instanceId());
        }

        ContainmentReport phaseOne() {
            return engine.contain(arn(), WINDOW);
        }

        ContainmentReport phaseTwo() {
            return engine.isolate(arn(), WINDOW);
        }

        ContainmentReport release() {
            return engine.release(arn(), WINDOW);
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LaunchStyle.class)
    void phaseOne_putsEveryInterfaceInTheUntrackedGroup(LaunchStyle style, MotoEstate estate) {
        try (Scene scene = Scene.of(style, estate)) {
            ContainmentReport phase1 = scene.phaseOne();

            assertThat(phase1.outcome()).as(phase1.summary() + phase1.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(phase1.verified()).isTrue();
            String untracked = Ec2InstanceLockdownIT.single(scene.net().groupsNamed(Ec2InstanceLockdownIT.UNTRACKED))
                    .groupId();
            assertThat(scene.groupsNow().values()).hasSize(scene.original().size())
                    .allSatisfy(g -> assertThat(g).containsExactly(untracked));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LaunchStyle.class)
    void phaseTwo_putsEveryInterfaceInTheIsolationGroup(LaunchStyle style, MotoEstate estate) {
        try (Scene scene = Scene.of(style, estate)) {
            scene.phaseOne();

            ContainmentReport phase2 = scene.phaseTwo();

            assertThat(phase2.outcome()).as(phase2.summary() + phase2.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(phase2.verified()).isTrue();
            String isolation = Ec2InstanceLockdownIT.single(scene.net().groupsNamed(Ec2InstanceLockdownIT.ISOLATION))
                    .groupId();
            assertThat(scene.groupsNow().values()).allSatisfy(g -> assertThat(g).containsExactly(isolation));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LaunchStyle.class)
    void release_afterBothPhases_restoresEveryInterfacesGroups_andLiftsTheProtections(LaunchStyle style,
            MotoEstate estate) {
        try (Scene scene = Scene.of(style, estate)) {
            scene.phaseOne();
            scene.phaseTwo();

            ContainmentReport release = scene.release();

            assertThat(release.outcome()).as(release.summary() + release.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(release.verified()).isTrue();
            assertThat(scene.groupsNow()).isEqualTo(scene.original());
            assertThat(scene.net().protection(scene.instance().instanceId()))
                    .isEqualTo(new Network.Protection(false, false));
        }
    }

    @Test
    void whereAwsRefusesTheInstanceLevelCall_itIsMadeAndRefusedInEveryPhase_andNothingFails(MotoEstate estate) {
        try (Scene scene = Scene.of(LaunchStyle.SECURITY_GROUP_IDS_TWO_INTERFACES_WHERE_AWS_REFUSES_THE_INSTANCE_LEVEL_CALL,
                estate)) {
            assertThat(List.of(scene.phaseOne(), scene.phaseTwo(), scene.release()))
                    .extracting(ContainmentReport::outcome).containsOnly(Outcome.SUCCEEDED);

            assertThat(scene.refusal().refused.get()).as("the instance-level call was made and refused in every phase")
                    .isEqualTo(3);
        }
    }

    @Test
    void anInterfaceAttachedDuringTheWindow_isIsolatedByPhaseTwo_andRestoredByRelease(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().securityGroupIds(net.appGroupId()).launch();
            Map<String, TreeSet<String>> before = groups(net, instance.instanceId());
            assertThat(engine.contain(net.arn(instance), WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);
            String late = net.attachInterface(instance.instanceId(), 1, net.adminGroupId());

            ContainmentReport phase2 = engine.isolate(net.arn(instance), WINDOW);

            assertThat(phase2.outcome()).as(phase2.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(phase2.step("record-new-interfaces")).isPresent();
            String isolation = Ec2InstanceLockdownIT.single(net.groupsNamed(Ec2InstanceLockdownIT.ISOLATION)).groupId();
            assertThat(groups(net, instance.instanceId()).values()).hasSize(2)
                    .allSatisfy(g -> assertThat(g).containsExactly(isolation));

            ContainmentReport release = engine.release(net.arn(instance), WINDOW);

            assertThat(release.outcome()).as(release.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            Map<String, TreeSet<String>> after = groups(net, instance.instanceId());
            before.forEach((eni, groups) -> assertThat(after.get(eni)).isEqualTo(groups));
            // its own group back (moto also adds the instance-level groups to it; AWS does not)
            assertThat(after.get(late)).contains(net.adminGroupId()).noneMatch(g -> g.equals(isolation));
        }
    }

    @Test
    void driftDuringContainment_isRepairedByContainingAgain_withoutLosingTheOriginals(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().securityGroupIds(net.appGroupId()).launch();
            String id = instance.instanceId();
            Map<String, TreeSet<String>> original = groups(net, id);
            engine.contain(net.arn(instance), WINDOW);
            engine.isolate(net.arn(instance), WINDOW);
            // someone puts the interface back into an open group, both ways
            String open = net.group("attacker-open", "all open");
            String eni = original.keySet().iterator().next();
            net.ec2().modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(eni).groups(open));
            net.ec2().modifyInstanceAttribute(b -> b.instanceId(id).groups(open));

            ContainmentReport repaired = engine.contain(net.arn(instance), WINDOW.withWindowSeconds(0));

            assertThat(repaired.outcome()).as(repaired.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            String isolation = Ec2InstanceLockdownIT.single(net.groupsNamed(Ec2InstanceLockdownIT.ISOLATION)).groupId();
            assertThat(groups(net, id).values()).allSatisfy(g -> assertThat(g).containsExactly(isolation));
            assertThat(Ec2InstanceLockdownIT.record(net, instance).verified().orElseThrow().state().interfaces().get(eni).groups())
                    .as("the original groups, not the attacker's").containsExactly(net.appGroupId());

            assertThat(engine.release(net.arn(instance), WINDOW).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(groups(net, id)).isEqualTo(original);
        }
    }

    @Test
    void anInterfaceDetachedDuringContainment_getsItsGroupsBackByIdOnRelease(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(1).launch();
            String extra = net.attachInterface(instance.instanceId(), 1, net.adminGroupId());
            TreeSet<String> before = groups(net, instance.instanceId()).get(extra);
            engine.contain(net.arn(instance), WINDOW.withWindowSeconds(0));
            String attachment = net.ec2().describeNetworkInterfaces(b -> b.networkInterfaceIds(extra)).networkInterfaces()
                    .get(0).attachment().attachmentId();
            net.ec2().detachNetworkInterface(b -> b.attachmentId(attachment).force(true));

            ContainmentReport release = engine.release(net.arn(instance), WINDOW);

            assertThat(release.step("restore-groups " + extra).orElseThrow().detail()).contains("no longer attached");
            var eni = net.ec2().describeNetworkInterfaces(b -> b.networkInterfaceIds(extra)).networkInterfaces().get(0);
            assertThat(new TreeSet<>(eni.groups().stream().map(g -> g.groupId()).toList())).isEqualTo(before);
        }
    }
}
