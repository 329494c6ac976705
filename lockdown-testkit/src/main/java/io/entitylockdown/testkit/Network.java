package io.entitylockdown.testkit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.AttributeBooleanValue;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.IamInstanceProfileSpecification;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterfaceSpecification;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.ec2.model.RequestLaunchTemplateData;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * One account's network in one region: a VPC (10.20.0.0/16 with an IPv6 block), a subnet in the
 * region's zone "a", two application security groups ({@code app}, {@code admin}) and an Amazon Linux 2
 * image from moto's catalogue. Launches instances the ways people launch them and reads back their
 * interfaces, groups, tags, protections and snapshots.
 */
public final class Network {
    private final EstateAccount account;
    private final String region;
    private final Ec2Client ec2;
    private final String vpcId;
    private final String subnetId;
    private final String appGroupId;
    private final String adminGroupId;
    private final String imageId;

    Network(EstateAccount account, String region) {
        this.account = account;
        this.region = region;
        this.ec2 = account.ec2(region);
        // moto knows only its own catalogue of AMIs: take one from it. The filter matters: listing all
        // ~1,200 images takes seconds.
        this.imageId = image("amzn2-ami-hvm-2.0.*-x86_64-gp2").or(() -> image("amzn2-ami-hvm-*"))
                .orElseThrow(() -> new IllegalStateException("moto has no Amazon Linux 2 image in " + region
                        + " to launch instances from"));
        this.vpcId = ec2.createVpc(b -> b.cidrBlock("10.20.0.0/16").amazonProvidedIpv6CidrBlock(true)).vpc().vpcId();
        this.subnetId = ec2.createSubnet(b -> b.vpcId(vpcId).cidrBlock("10.20.1.0/24").availabilityZone(region + "a"))
                .subnet().subnetId();
        this.appGroupId = group("app", "application traffic");
        this.adminGroupId = group("admin", "administration");
    }

    private java.util.Optional<String> image(String name) {
        return ec2.describeImages(b -> b.owners("amazon").filters(Filter.builder().name("name").values(name).build()))
                .images().stream().findFirst().map(Image::imageId);
    }

    public EstateAccount account() {
        return account;
    }

    public String region() {
        return region;
    }

    /** The account's EC2 client in this region. */
    public Ec2Client ec2() {
        return ec2;
    }

    public String vpcId() {
        return vpcId;
    }

    public String subnetId() {
        return subnetId;
    }

    public String appGroupId() {
        return appGroupId;
    }

    public String adminGroupId() {
        return adminGroupId;
    }

    public String imageId() {
        return imageId;
    }

    /** A security group in the VPC; returns its id. */
    public String group(String name, String description) {
        return ec2.createSecurityGroup(b -> b.vpcId(vpcId).groupName(name).description(description)).groupId();
    }

    /**
     * A role trusted by EC2 in an instance profile of the same name, as EC2 delivers credentials to
     * instances; returns the name, to launch instances with.
     */
    public String instanceProfile(String name) {
        account.role(name).instanceProfile().create();
        return name;
    }

    /**
     * A role trusted by EC2 in an instance profile with another name; returns the profile's name. The
     * lockdown must find the role through the profile, never take one name for the other.
     */
    public String instanceProfile(String profile, String role) {
        account.role(role).instanceProfile(profile).create();
        return profile;
    }

    /** An instance to launch: by default one interface in the app and admin groups. */
    public InstanceLaunch instance() {
        return new InstanceLaunch();
    }

    /** An instance launched with one interface in the app and admin groups. */
    public Instance launchInstance() {
        return instance().launch();
    }

    public String arn(Instance instance) {
        return arn(instance.instanceId());
    }

    public String arn(String instanceId) {
        return "arn:aws:ec2:" + region + ":" + account.id() + ":instance/" + instanceId;
    }

    /** Creates an interface with these groups and attaches it to the instance at this device index; returns its id. */
    public String attachInterface(String instanceId, int deviceIndex, String... groupIds) {
        String eni = ec2.createNetworkInterface(b -> b.subnetId(subnetId).groups(groupIds)).networkInterface()
                .networkInterfaceId();
        ec2.attachNetworkInterface(b -> b.networkInterfaceId(eni).instanceId(instanceId).deviceIndex(deviceIndex));
        return eni;
    }

    /**
     * An Auto Scaling group launching from a template of this network's image into its subnet; returns the
     * group's instance ids (moto launches them at once).
     */
    public List<String> autoScalingGroup(String name, int min, int max, int desired) {
        AutoScalingClient autoScaling = account.autoScaling(region);
        ec2.createLaunchTemplate(b -> b.launchTemplateName(name + "-template").launchTemplateData(
                RequestLaunchTemplateData.builder().imageId(imageId).instanceType("t3.micro").build()));
        autoScaling.createAutoScalingGroup(b -> b.autoScalingGroupName(name).minSize(min).maxSize(max)
                .desiredCapacity(desired).vpcZoneIdentifier(subnetId)
                .launchTemplate(LaunchTemplateSpecification.builder().launchTemplateName(name + "-template").build()));
        return autoScalingGroupNamed(name).instances().stream().map(i -> i.instanceId()).toList();
    }

    public AutoScalingGroup autoScalingGroupNamed(String name) {
        return account.autoScaling(region).describeAutoScalingGroups(b -> b.autoScalingGroupNames(name))
                .autoScalingGroups().get(0);
    }

    /** An HTTP target group of instances in the VPC; returns its ARN. */
    public String targetGroup(String name) {
        return account.loadBalancing(region).createTargetGroup(b -> b.name(name).protocol("HTTP").port(80)
                .vpcId(vpcId).targetType("instance")).targetGroups().get(0).targetGroupArn();
    }

    // --- read-back -----------------------------------------------------------------------------------

    public Instance describe(String instanceId) {
        return ec2.describeInstances(b -> b.instanceIds(instanceId)).reservations().get(0).instances().get(0);
    }

    public List<NetworkInterface> interfaces(String instanceId) {
        return ec2.describeNetworkInterfaces(b -> b.filters(Filter.builder().name("attachment.instance-id")
                .values(instanceId).build())).networkInterfaces();
    }

    /** The group ids of each interface, in device order. */
    public List<List<String>> groupsOfInterfaces(String instanceId) {
        return interfaces(instanceId).stream()
                .sorted(Comparator.comparing(n -> n.attachment().deviceIndex()))
                .map(n -> n.groups().stream().map(g -> g.groupId()).toList()).toList();
    }

    /** The names of the groups of every interface, in device order (one entry per interface and group). */
    public List<String> groupNames(String instanceId) {
        return interfaces(instanceId).stream()
                .sorted(Comparator.comparing(n -> n.attachment().deviceIndex()))
                .flatMap(n -> n.groups().stream().map(g -> g.groupName())).toList();
    }

    /** Interface id to its group ids, as sets (the order of groups means nothing). */
    public Map<String, TreeSet<String>> groupsByInterface(String instanceId) {
        Map<String, TreeSet<String>> groups = new LinkedHashMap<>();
        for (NetworkInterface eni : interfaces(instanceId)) {
            groups.put(eni.networkInterfaceId(), new TreeSet<>(eni.groups().stream().map(g -> g.groupId()).toList()));
        }
        return groups;
    }

    /** The groups of this name in the VPC. */
    public List<SecurityGroup> groupsNamed(String name) {
        return ec2.describeSecurityGroups(b -> b.filters(Filter.builder().name("vpc-id").values(vpcId).build(),
                Filter.builder().name("group-name").values(name).build())).securityGroups();
    }

    public Map<String, String> tags(String instanceId) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (Tag tag : describe(instanceId).tags()) {
            tags.put(tag.key(), tag.value());
        }
        return tags;
    }

    /** Termination and stop protection as EC2 reports them. */
    public record Protection(boolean termination, boolean stop) {
    }

    public Protection protection(String instanceId) {
        boolean termination = on(ec2.describeInstanceAttribute(b -> b.instanceId(instanceId)
                .attribute("disableApiTermination")).disableApiTermination());
        boolean stop = on(ec2.describeInstanceAttribute(b -> b.instanceId(instanceId).attribute("disableApiStop"))
                .disableApiStop());
        return new Protection(termination, stop);
    }

    private static boolean on(AttributeBooleanValue value) {
        return value != null && Boolean.TRUE.equals(value.value());
    }

    /** The account's own snapshots that carry this tag. */
    public List<Snapshot> snapshotsTagged(String key, String value) {
        return ec2.describeSnapshots(b -> b.ownerIds("self").filters(Filter.builder().name("tag:" + key)
                .values(value).build())).snapshots();
    }

    /** How an instance is launched. */
    public final class InstanceLaunch {
        private int interfaces = 1;
        private boolean interfacesChosen;
        private List<String> securityGroupIds;
        private String profile;
        private final Map<String, String> tags = new LinkedHashMap<>();

        private InstanceLaunch() {
        }

        /**
         * {@code --network-interfaces}: this many interfaces, each in the app and admin groups (the groups
         * belong to the interfaces).
         */
        public InstanceLaunch interfaces(int count) {
            if (securityGroupIds != null) {
                throw new IllegalStateException("interfaces(n) and securityGroupIds(...) are two launch styles: choose one");
            }
            this.interfaces = count;
            this.interfacesChosen = true;
            return this;
        }

        /**
         * {@code --subnet-id --security-group-ids}, the way most instances are launched: one interface, the
         * groups instance-level (AWS shows them as the primary interface's; moto keeps them apart and adds
         * them to every interface).
         */
        public InstanceLaunch securityGroupIds(String... groupIds) {
            if (interfacesChosen) {
                throw new IllegalStateException("interfaces(n) and securityGroupIds(...) are two launch styles: choose one");
            }
            this.securityGroupIds = List.of(groupIds);
            return this;
        }

        /** With this instance profile. */
        public InstanceLaunch profile(String instanceProfile) {
            this.profile = instanceProfile;
            return this;
        }

        public InstanceLaunch tag(String key, String value) {
            tags.put(key, value);
            return this;
        }

        public Instance launch() {
            RunInstancesRequest.Builder run = RunInstancesRequest.builder().imageId(imageId).minCount(1).maxCount(1)
                    .instanceType("t3.micro");
            if (securityGroupIds != null) {
                run.subnetId(subnetId).securityGroupIds(securityGroupIds);
            } else {
                List<InstanceNetworkInterfaceSpecification> specs = new ArrayList<>();
                for (int i = 0; i < interfaces; i++) {
                    specs.add(InstanceNetworkInterfaceSpecification.builder().deviceIndex(i).subnetId(subnetId)
                            .groups(appGroupId, adminGroupId).build());
                }
                run.networkInterfaces(specs);
            }
            if (profile != null) {
                run.iamInstanceProfile(IamInstanceProfileSpecification.builder().name(profile).build());
            }
            if (!tags.isEmpty()) {
                run.tagSpecifications(software.amazon.awssdk.services.ec2.model.TagSpecification.builder()
                        .resourceType("instance")
                        .tags(tags.entrySet().stream().map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build())
                                .toList())
                        .build());
            }
            return ec2.runInstances(run.build()).instances().get(0);
        }
    }
}
