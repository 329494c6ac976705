package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
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

    @AfterAll
    static void everyCallDeclared() {
        Ec2Lab.assertEveryCallDeclared();
    }
    static final String ACCOUNT = "111111111111";

    @Test
    void contain_fleetMember_isDetachedWithCapacityKept_deregistered_protected_andSnapshotted(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            AutoScalingClient autoScaling = lab.session.autoScaling();
            ElasticLoadBalancingV2Client elb = lab.session.elasticLoadBalancing();
            String image = lab.imageId;
            lab.ec2.createLaunchTemplate(b -> b.launchTemplateName("web-template")
                    .launchTemplateData(d -> d.imageId(image).instanceType("t3.micro")));
            autoScaling.createAutoScalingGroup(b -> b.autoScalingGroupName("web").minSize(1).maxSize(4).desiredCapacity(2)
                    .launchTemplate(t -> t.launchTemplateName("web-template")).vpcZoneIdentifier(lab.subnetId));
            String instanceId = group(autoScaling).instances().get(0).instanceId();
            String targetGroup = elb.createTargetGroup(b -> b.name("web-8080").protocol("HTTP").port(80)
                    .vpcId(lab.vpcId).targetType("instance")).targetGroups().get(0).targetGroupArn();
            String otherGroup = elb.createTargetGroup(b -> b.name("web-9090").protocol("HTTP").port(80)
                    .vpcId(lab.vpcId).targetType("instance")).targetGroups().get(0).targetGroupArn();
            elb.registerTargets(b -> b.targetGroupArn(targetGroup).targets(TargetDescription.builder().id(instanceId).port(8080).build()));
            elb.registerTargets(b -> b.targetGroupArn(otherGroup).targets(TargetDescription.builder().id(instanceId).port(9090).build()));
            Instance instance = lab.describe(instanceId);
            String dataVolume = lab.ec2.createVolume(b -> b.availabilityZone(instance.placement().availabilityZone())
                    .size(20)).volumeId();
            lab.ec2.attachVolume(b -> b.volumeId(dataVolume).instanceId(instanceId).device("/dev/sdf"));
            List<String> volumes = lab.describe(instanceId).blockDeviceMappings().stream()
                    .map(m -> m.ebs().volumeId()).toList();
            assertThat(volumes).hasSize(2).contains(dataVolume);
            String arn = lab.arn(instance);

            ContainmentReport report = engine.contain(arn, ContainmentOptions.defaults().withWindowSeconds(0));

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.verified()).isTrue();
            AutoScalingGroup after = group(autoScaling);
            assertThat(after.desiredCapacity()).isEqualTo(2);
            assertThat(after.instances()).extracting(i -> i.instanceId()).doesNotContain(instanceId);
            assertThat(autoScaling.describeAutoScalingInstances(b -> b.instanceIds(instanceId)).autoScalingInstances())
                    .isEmpty();
            assertThat(report.step("auto-scaling-detach").orElseThrow().detail()).contains("web", "desired capacity kept");
            for (String tg : List.of(targetGroup, otherGroup)) {
                assertThat(elb.describeTargetHealth(b -> b.targetGroupArn(tg)).targetHealthDescriptions())
                        .noneMatch(h -> h.target().id().equals(instanceId) && !"draining".equals(h.targetHealth().stateAsString()));
            }
            assertThat(lab.protection(instanceId)).isEqualTo(new InstanceState.ProtectionState(true, true));
            List<Snapshot> snapshots = lab.evidence(instanceId);
            assertThat(snapshots).extracting(Snapshot::volumeId).containsExactlyInAnyOrderElementsOf(volumes);
            assertThat(lab.record(instance).verified().orElseThrow().state().snapshots())
                    .as("the set's ids are in the signed record")
                    .containsExactlyInAnyOrderElementsOf(snapshots.stream().map(Snapshot::snapshotId).toList());
            assertThat(report.step("snapshots").orElseThrow().detail()).contains("one crash-consistent set");
            String containedAt = lab.tags(instanceId).get(EntityRecords.MARKER);
            for (Snapshot snapshot : snapshots) {
                Map<String, String> tags = snapshot.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
                assertThat(tags).containsEntry("lockdown:instance", instanceId)
                        .containsEntry(EntityRecords.MARKER, containedAt);
            }

            ContainmentReport release = engine.release(arn, ContainmentOptions.defaults());

            assertThat(release.outcome()).as(release.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(lab.protection(instanceId)).isEqualTo(new InstanceState.ProtectionState(false, false));
            assertThat(lab.evidence(instanceId)).as("release never deletes evidence").hasSize(2);
            assertThat(engine.status(arn).state().get("taggedSnapshots")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).hasSize(2);
            assertThat(release.notes()).anySatisfy(n -> assertThat(n).contains("NOT restored automatically",
                    "aws autoscaling attach-instances --auto-scaling-group-name web --instance-ids " + instanceId
                            + " --region us-east-1"));
            assertThat(release.notes()).anySatisfy(n -> assertThat(n).contains(
                    "aws elbv2 register-targets --target-group-arn " + targetGroup + " --targets Id=" + instanceId
                            + ",Port=8080 --region us-east-1",
                    "--target-group-arn " + otherGroup + " --targets Id=" + instanceId + ",Port=9090"));
            assertThat(release.notes()).anySatisfy(n -> assertThat(n).contains("Evidence snapshots are kept"));
            assertThat(group(autoScaling).instances()).extracting(i -> i.instanceId()).doesNotContain(instanceId);
        }
    }

    @Test
    void contain_withProtectionAlreadyOn_restoresItOnRelease_andNoSnapshotTakesNone(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance();
            lab.ec2.modifyInstanceAttribute(b -> b.instanceId(instance.instanceId()).disableApiTermination(v -> v.value(true)));

            ContainmentReport report = engine.contain(lab.arn(instance),
                    ContainmentOptions.defaults().withWindowSeconds(0).withSnapshot(false));

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.step("termination-protection").orElseThrow().status()).isEqualTo(StepStatus.ALREADY);
            assertThat(report.step("stop-protection").orElseThrow().status()).isEqualTo(StepStatus.DONE);
            assertThat(report.step("snapshots").orElseThrow().detail()).contains("--no-snapshot");
            assertThat(lab.evidence(instance.instanceId())).isEmpty();

            engine.release(lab.arn(instance), ContainmentOptions.defaults());

            assertThat(lab.protection(instance.instanceId())).isEqualTo(new InstanceState.ProtectionState(true, false));
        }
    }

    /**
     * Tags alone prove nothing: a snapshot someone tagged as this instance's evidence (of another volume)
     * does not stop containment from taking the real set, and a recorded set that was deleted is taken again.
     */
    @Test
    void contain_withAPlantedLookAlikeSnapshot_stillTakesTheRealSet(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance();
            String decoyVolume = lab.ec2.createVolume(b -> b.availabilityZone(lab.region + "a").size(1)).volumeId();
            String decoy = lab.ec2.createSnapshot(b -> b.volumeId(decoyVolume).tagSpecifications(
                    software.amazon.awssdk.services.ec2.model.TagSpecification.builder().resourceType("snapshot")
                            .tags(software.amazon.awssdk.services.ec2.model.Tag.builder().key("lockdown:instance")
                                    .value(instance.instanceId()).build()).build()))
                    .snapshotId();

            ContainmentReport report = engine.contain(lab.arn(instance), ContainmentOptions.defaults().withWindowSeconds(0));

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.step("snapshots").orElseThrow().status()).isEqualTo(StepStatus.DONE);
            List<String> set = lab.record(instance).verified().orElseThrow().state().snapshots();
            assertThat(set).isNotEmpty().doesNotContain(decoy);
            String volume = instance.blockDeviceMappings().get(0).ebs().volumeId();
            assertThat(lab.ec2.describeSnapshots(b -> b.snapshotIds(set)).snapshots())
                    .extracting(Snapshot::volumeId).containsExactly(volume);

            lab.ec2.deleteSnapshot(b -> b.snapshotId(set.get(0)));
            ContainmentReport again = engine.contain(lab.arn(instance), ContainmentOptions.defaults().withWindowSeconds(0));

            assertThat(again.step("snapshots").orElseThrow().status()).as("the recorded set is gone: taken again")
                    .isEqualTo(StepStatus.DONE);
        }
    }

    private static AutoScalingGroup group(AutoScalingClient autoScaling) {
        return autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames("web")).autoScalingGroups().get(0);
    }
}
