package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetDescription;

/** Keeping the instance as evidence: protections, Auto Scaling, target groups, snapshots. */
@ExtendWith(MotoExtension.class)
class Ec2EvidenceIT {
    /** Every call of this class's engines, for the least-privilege check after them. */
    private static final CallRecorder CALLS = new CallRecorder();

    @AfterAll
    static void everyCallDeclared() {
        TestEngine.assertDeclared(new Ec2InstanceLockdown(), CALLS);
    }

    /**
     * The scene of the fleet tests: an instance of Auto Scaling group {@code web} (desired 2), registered in
     * two target groups on two ports, with a data volume besides its root volume.
     */
    private record FleetMember(Network net, AutoScalingClient autoScaling, ElasticLoadBalancingV2Client elb,
            Instance instance, String targetGroup, String otherGroup, List<String> volumes) {
        String id() {
            return instance.instanceId();
        }

        String arn() {
            return net.arn(instance);
        }
    }

    private static FleetMember fleetMember(MotoEstate estate) {
        Network net = estate.account().network();
        AutoScalingClient autoScaling = net.account().autoScaling(net.region());
        ElasticLoadBalancingV2Client elb = net.account().loadBalancing(net.region());
        String instanceId = net.autoScalingGroup("web", 1, 4, 2).get(0);
        String targetGroup = net.targetGroup("web-8080");
        String otherGroup = net.targetGroup("web-9090");
        elb.registerTargets(b -> b.targetGroupArn(targetGroup).targets(TargetDescription.builder().id(instanceId).port(8080).build()));
        elb.registerTargets(b -> b.targetGroupArn(otherGroup).targets(TargetDescription.builder().id(instanceId).port(9090).build()));
        Instance instance = net.describe(instanceId);
        String dataVolume = net.ec2().createVolume(b -> b.availabilityZone(instance.placement().availabilityZone())
                .size(20)).volumeId();
        net.ec2().attachVolume(b -> b.volumeId(dataVolume).instanceId(instanceId).device("/dev/sdf"));
        List<String> volumes = net.describe(instanceId).blockDeviceMappings().stream()
                .map(m -> m.ebs().volumeId()).toList();
        assertThat(volumes).hasSize(2).contains(dataVolume);
        return new FleetMember(net, autoScaling, elb, instance, targetGroup, otherGroup, volumes);
    }

    private static ContainmentReport contain(LockdownEngine engine, FleetMember member) {
        ContainmentReport report = engine.contain(member.arn(), ContainmentOptions.defaults().withWindowSeconds(0));
        assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(report.verified()).isTrue();
        return report;
    }

    @Test
    void contain_fleetMember_leavesItsAutoScalingGroup_withTheDesiredCapacityKept(MotoEstate estate) {
        FleetMember member = fleetMember(estate);
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            ContainmentReport report = contain(engine, member);

            AutoScalingGroup after = group(member.autoScaling());
            assertThat(after.desiredCapacity()).isEqualTo(2);
            assertThat(after.instances()).extracting(i -> i.instanceId()).doesNotContain(member.id());
            assertThat(member.autoScaling().describeAutoScalingInstances(b -> b.instanceIds(member.id()))
                    .autoScalingInstances()).isEmpty();
            assertThat(report.step("auto-scaling-detach").orElseThrow().detail()).contains("web", "desired capacity kept");
        }
    }

    @Test
    void contain_fleetMember_isDeregisteredFromEveryTargetGroup(MotoEstate estate) {
        FleetMember member = fleetMember(estate);
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            contain(engine, member);

            for (String tg : List.of(member.targetGroup(), member.otherGroup())) {
                assertThat(member.elb().describeTargetHealth(b -> b.targetGroupArn(tg)).targetHealthDescriptions())
                        .noneMatch(h -> h.target().id().equals(member.id())
                                && !"draining".equals(h.targetHealth().stateAsString()));
            }
        }
    }

    /** Private addresses repeat across VPCs: only the IP target groups of the instance's own VPC are its. */
    @Test
    void contain_deregistersItsAddressFromIpTargetGroupsOfItsVpc_neverTheSameAddressInAnotherVpc(MotoEstate estate) {
        Network net = estate.account().network();
        ElasticLoadBalancingV2Client elb = net.account().loadBalancing(net.region());
        Instance instance = net.instance().securityGroupIds(net.appGroupId()).launch();
        String address = instance.privateIpAddress();
        String otherVpc = net.ec2().createVpc(b -> b.cidrBlock("10.99.0.0/16")).vpc().vpcId();
        String ours = elb.createTargetGroup(b -> b.name("ip-ours").protocol("HTTP").port(80).vpcId(net.vpcId())
                .targetType("ip")).targetGroups().get(0).targetGroupArn();
        String theirs = elb.createTargetGroup(b -> b.name("ip-theirs").protocol("HTTP").port(80).vpcId(otherVpc)
                .targetType("ip")).targetGroups().get(0).targetGroupArn();
        for (String tg : List.of(ours, theirs)) {
            elb.registerTargets(b -> b.targetGroupArn(tg).targets(TargetDescription.builder().id(address).port(80).build()));
        }
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            ContainmentReport report = engine.contain(net.arn(instance), ContainmentOptions.defaults().withWindowSeconds(0)
                    .withSnapshot(false));
            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(elb.describeTargetHealth(b -> b.targetGroupArn(ours)).targetHealthDescriptions())
                .noneMatch(h -> h.target().id().equals(address) && !"draining".equals(h.targetHealth().stateAsString()));
        assertThat(elb.describeTargetHealth(b -> b.targetGroupArn(theirs)).targetHealthDescriptions())
                .as("the host with the same address in another VPC stays registered")
                .anySatisfy(h -> assertThat(h.target().id()).isEqualTo(address));
    }

    /** EC2 takes neither protection for a Spot Instance (moto would): asking would fail after opening. */
    @Test
    void contain_spotInstance_skipsBothProtectionsWithTheReason_andStillSucceeds(MotoEstate estate) {
        Network net = estate.account().network();
        Instance launched = net.ec2().runInstances(b -> b.imageId(net.imageId()).instanceType("t3.micro").minCount(1)
                .maxCount(1).subnetId(net.subnetId()).securityGroupIds(net.appGroupId())
                .instanceMarketOptions(m -> m.marketType("spot"))).instances().get(0);
        Instance spot = net.describe(launched.instanceId());
        assertThat(spot.instanceLifecycleAsString()).as("moto marks it a Spot Instance").isEqualTo("spot");
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            ContainmentReport report = engine.contain(net.arn(spot), ContainmentOptions.defaults().withWindowSeconds(0)
                    .withSnapshot(false));

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            for (String step : List.of("termination-protection", "stop-protection")) {
                assertThat(report.step(step).orElseThrow()).satisfies(s -> {
                    assertThat(s.status()).isEqualTo(StepStatus.SKIPPED);
                    assertThat(s.detail()).contains("Spot Instance");
                });
            }
            assertThat(report.verified()).isTrue();
        }
    }

    @Test
    void contain_fleetMember_turnsOnTerminationAndStopProtection(MotoEstate estate) {
        FleetMember member = fleetMember(estate);
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            contain(engine, member);

            assertThat(member.net().protection(member.id())).isEqualTo(new Network.Protection(true, true));
        }
    }

    @Test
    void contain_fleetMember_snapshotsEveryVolumeAsOneSignedAndTaggedSet(MotoEstate estate) {
        FleetMember member = fleetMember(estate);
        Network net = member.net();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            ContainmentReport report = contain(engine, member);

            List<Snapshot> snapshots = Ec2InstanceLockdownIT.evidence(net, member.id());
            assertThat(snapshots).extracting(Snapshot::volumeId).containsExactlyInAnyOrderElementsOf(member.volumes());
            assertThat(Ec2InstanceLockdownIT.record(net, member.instance()).verified().orElseThrow().state().snapshots())
                    .as("the set's ids are in the signed record")
                    .containsExactlyInAnyOrderElementsOf(snapshots.stream().map(Snapshot::snapshotId).toList());
            assertThat(report.step("snapshots").orElseThrow().detail()).contains("one crash-consistent set");
            String containedAt = net.tags(member.id()).get(EntityRecords.MARKER);
            for (Snapshot snapshot : snapshots) {
                Map<String, String> tags = snapshot.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
                assertThat(tags).containsEntry("lockdown:instance", member.id())
                        .containsEntry(EntityRecords.MARKER, containedAt);
            }
        }
    }

    @Test
    void release_ofAFleetMember_liftsTheProtections_keepsTheEvidence_andSaysHowToRejoinTheFleet(MotoEstate estate) {
        FleetMember member = fleetMember(estate);
        Network net = member.net();
        String instanceId = member.id();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            contain(engine, member);

            ContainmentReport release = engine.release(member.arn(), ContainmentOptions.defaults());

            assertThat(release.outcome()).as(release.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(net.protection(instanceId)).isEqualTo(new Network.Protection(false, false));
            assertThat(Ec2InstanceLockdownIT.evidence(net, instanceId)).as("release never deletes evidence").hasSize(2);
            assertThat(engine.status(member.arn()).state().get("taggedSnapshots"))
                    .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).hasSize(2);
            assertThat(release.notes()).anySatisfy(n -> assertThat(n).contains("NOT restored automatically",
                    "aws autoscaling attach-instances --auto-scaling-group-name web --instance-ids " + instanceId
                            + " --region us-east-1"));
            assertThat(release.notes()).anySatisfy(n -> assertThat(n).contains(
                    "aws elbv2 register-targets --target-group-arn " + member.targetGroup() + " --targets Id=" + instanceId
                            + ",Port=8080 --region us-east-1",
                    "--target-group-arn " + member.otherGroup() + " --targets Id=" + instanceId + ",Port=9090"));
            assertThat(release.notes()).anySatisfy(n -> assertThat(n).contains("Evidence snapshots are kept"));
            assertThat(group(member.autoScaling()).instances()).extracting(i -> i.instanceId()).doesNotContain(instanceId);
        }
    }

    private static final ContainmentOptions NO_WINDOW_NO_SNAPSHOT = ContainmentOptions.defaults().withWindowSeconds(0)
            .withSnapshot(false);

    /** An instance whose termination protection its owner had already turned on. */
    private static Instance protectedByItsOwner(Network net) {
        Instance instance = net.launchInstance();
        net.ec2().modifyInstanceAttribute(b -> b.instanceId(instance.instanceId()).disableApiTermination(v -> v.value(true)));
        return instance;
    }

    @Test
    void contain_withTerminationProtectionAlreadyOn_andNoSnapshot_setsTheRest_andTakesNoSnapshot(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = protectedByItsOwner(net);

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW_NO_SNAPSHOT);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.step("termination-protection").orElseThrow().status()).isEqualTo(StepStatus.ALREADY);
            assertThat(report.step("stop-protection").orElseThrow().status()).isEqualTo(StepStatus.DONE);
            assertThat(report.step("snapshots").orElseThrow().detail()).contains("--no-snapshot");
            assertThat(Ec2InstanceLockdownIT.evidence(net, instance.instanceId())).isEmpty();
        }
    }

    @Test
    void release_leavesOnTheProtectionTheOwnerHadTurnedOn(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = protectedByItsOwner(net);
            ContainmentReport contained = engine.contain(net.arn(instance), NO_WINDOW_NO_SNAPSHOT);
            assertThat(contained.outcome()).as(contained.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(net.protection(instance.instanceId())).as("contained: both on")
                    .isEqualTo(new Network.Protection(true, true));

            ContainmentReport released = engine.release(net.arn(instance), ContainmentOptions.defaults());

            assertThat(released.outcome()).as(released.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(net.protection(instance.instanceId())).isEqualTo(new Network.Protection(true, false));
        }
    }

    /**
     * Tags alone prove nothing: a snapshot someone tagged as this instance's evidence (of another volume)
     * does not stop containment from taking the real set.
     */
    @Test
    void contain_withAPlantedLookAlikeSnapshot_stillTakesTheRealSet(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.launchInstance();
            String decoyVolume = net.ec2().createVolume(b -> b.availabilityZone(net.region() + "a").size(1)).volumeId();
            String decoy = net.ec2().createSnapshot(b -> b.volumeId(decoyVolume).tagSpecifications(
                    software.amazon.awssdk.services.ec2.model.TagSpecification.builder().resourceType("snapshot")
                            .tags(software.amazon.awssdk.services.ec2.model.Tag.builder().key("lockdown:instance")
                                    .value(instance.instanceId()).build()).build()))
                    .snapshotId();

            ContainmentReport report = engine.contain(net.arn(instance), ContainmentOptions.defaults().withWindowSeconds(0));

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.step("snapshots").orElseThrow().status()).isEqualTo(StepStatus.DONE);
            List<String> set = Ec2InstanceLockdownIT.record(net, instance).verified().orElseThrow().state().snapshots();
            assertThat(set).isNotEmpty().doesNotContain(decoy);
            String volume = instance.blockDeviceMappings().get(0).ebs().volumeId();
            assertThat(net.ec2().describeSnapshots(b -> b.snapshotIds(set)).snapshots())
                    .extracting(Snapshot::volumeId).containsExactly(volume);
        }
    }

    /** A recorded set that was deleted is taken again: the record's ids are checked to exist. */
    @Test
    void containAgain_afterTheRecordedSetWasDeleted_takesItAgain(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.launchInstance();
            engine.contain(net.arn(instance), ContainmentOptions.defaults().withWindowSeconds(0));
            List<String> set = Ec2InstanceLockdownIT.record(net, instance).verified().orElseThrow().state().snapshots();
            net.ec2().deleteSnapshot(b -> b.snapshotId(set.get(0)));

            ContainmentReport again = engine.contain(net.arn(instance), ContainmentOptions.defaults().withWindowSeconds(0));

            assertThat(again.step("snapshots").orElseThrow().status()).as("the recorded set is gone: taken again")
                    .isEqualTo(StepStatus.DONE);
        }
    }

    private static AutoScalingGroup group(AutoScalingClient autoScaling) {
        return autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames("web")).autoScalingGroups().get(0);
    }
}
