package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.guard.Guardrails;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.testkit.MotoServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterfaceSpecification;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Builds EC2 scenes in moto for the integration tests: a VPC (with IPv6), a subnet, application
 * security groups, instances with several interfaces and instance profiles. All set-up calls go
 * through clients that are not recorded as the engine's calls.
 */
final class Ec2Lab implements AutoCloseable {
    /** Every call the engines of the EC2 tests made; each test class checks them against the declared permissions. */
    static final CallRecorder CALLS = new CallRecorder();

    final String account;
    final String region;
    final AccountSessions sessions;
    final AccountSession session;
    final Ec2Client ec2;
    final IamClient iam;
    final String vpcId;
    final String subnetId;
    final String appGroupId;
    final String adminGroupId;
    final String imageId;

    Ec2Lab(MotoServer moto, String account, String region) {
        this.account = account;
        this.region = region;
        this.sessions = TestAws.setupSessions(moto);
        this.session = sessions.session("aws", account, region, "lockdown-test-setup");
        this.ec2 = session.ec2();
        this.iam = session.iam();
        // moto only knows its own catalogue of AMIs; take one from it rather than guess an id. The
        // filter matters: listing all ~1,200 images takes seconds.
        this.imageId = ec2.describeImages(b -> b.filters(Filter.builder().name("name").values("amzn2-ami-hvm-*").build())).images()
                .stream().findFirst().orElseGet(() -> ec2.describeImages(b -> { }).images().get(0)).imageId();
        this.vpcId = ec2.createVpc(b -> b.cidrBlock("10.20.0.0/16").amazonProvidedIpv6CidrBlock(true)).vpc().vpcId();
        this.subnetId = ec2.createSubnet(b -> b.vpcId(vpcId).cidrBlock("10.20.1.0/24")
                .availabilityZone(region + "a")).subnet().subnetId();
        this.appGroupId = group("app", "application traffic");
        this.adminGroupId = group("admin", "administration");
    }

    /** An engine acting through the member role, recording its calls in {@link #CALLS}. */
    static LockdownEngine engine(MotoServer moto, Guardrails guardrails, ExecutionInterceptor... more) {
        List<ExecutionInterceptor> interceptors = new ArrayList<>(List.of(CALLS));
        interceptors.addAll(List.of(more));
        return LockdownEngine.builder()
                .sessions(new AccountSessions(TestAws.engineSettings(moto).withInterceptors(interceptors),
                        Access.memberRole(TestAws.MEMBER_ROLE, TestAws.EXTERNAL_ID)))
                .guardrails(guardrails).recordKey(TestAws.RECORD_KEY).build();
    }

    static LockdownEngine engine(MotoServer moto) {
        return engine(moto, Guardrails.minimal(TestAws.MEMBER_ROLE));
    }

    /** Least privilege: the strategy declares every action its engine was seen calling (STS is the engine's). */
    static void assertEveryCallDeclared() {
        Set<String> called = new TreeSet<>(CALLS.actions());
        called.removeIf(a -> a.startsWith("sts:"));
        assertThat(new Ec2InstanceLockdown().permissions()).containsAll(called);
    }

    String group(String name, String description) {
        return ec2.createSecurityGroup(b -> b.vpcId(vpcId).groupName(name).description(description)).groupId();
    }

    /** An instance with {@code interfaces} network interfaces, each with the app and admin groups. */
    Instance instance(int interfaces, String instanceProfile) {
        List<InstanceNetworkInterfaceSpecification> specs = new ArrayList<>();
        IntStream.range(0, interfaces).forEach(i -> specs.add(InstanceNetworkInterfaceSpecification.builder()
                .deviceIndex(i).subnetId(subnetId).groups(appGroupId, adminGroupId).build()));
        return ec2.runInstances(b -> {
            b.imageId(imageId).minCount(1).maxCount(1).instanceType("t3.micro").networkInterfaces(specs);
            if (instanceProfile != null) {
                b.iamInstanceProfile(p -> p.name(instanceProfile));
            }
        }).instances().get(0);
    }

    Instance instance() {
        return instance(1, null);
    }

    /** A role in an instance profile of the same name, as EC2 delivers it to instances. */
    String profileWithRole(String name) {
        iam.createRole(b -> b.roleName(name).assumeRolePolicyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[{"
                + "\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"));
        iam.createInstanceProfile(b -> b.instanceProfileName(name));
        iam.addRoleToInstanceProfile(b -> b.instanceProfileName(name).roleName(name));
        return name;
    }

    String arn(Instance instance) {
        return "arn:aws:ec2:" + region + ":" + account + ":instance/" + instance.instanceId();
    }

    List<NetworkInterface> interfaces(String instanceId) {
        return ec2.describeNetworkInterfaces(b -> b.filters(Filter.builder().name("attachment.instance-id")
                .values(instanceId).build()))
                .networkInterfaces();
    }

    List<List<String>> groupsOfInterfaces(String instanceId) {
        return interfaces(instanceId).stream()
                .sorted(java.util.Comparator.comparing(n -> n.attachment().deviceIndex()))
                .map(n -> n.groups().stream().map(g -> g.groupId()).toList()).toList();
    }

    List<SecurityGroup> groupsNamed(String name) {
        return ec2.describeSecurityGroups(b -> b.filters(Filter.builder().name("vpc-id").values(vpcId).build(),
                Filter.builder().name("group-name").values(name).build())).securityGroups();
    }

    /**
     * An instance launched the way most people launch one: {@code --subnet-id --security-group-ids}, so
     * its groups are instance-level (moto then adds them to every interface, as it keeps them apart).
     */
    Instance instanceWithSecurityGroupIds(String instanceProfile, String... groupIds) {
        return ec2.runInstances(b -> {
            b.imageId(imageId).minCount(1).maxCount(1).instanceType("t3.micro").subnetId(subnetId)
                    .securityGroupIds(groupIds);
            if (instanceProfile != null) {
                b.iamInstanceProfile(p -> p.name(instanceProfile));
            }
        }).instances().get(0);
    }

    /** Creates an interface with these groups and attaches it to the instance at this device index. */
    String attachInterface(String instanceId, int deviceIndex, String... groupIds) {
        String eni = ec2.createNetworkInterface(b -> b.subnetId(subnetId).groups(groupIds)).networkInterface()
                .networkInterfaceId();
        ec2.attachNetworkInterface(b -> b.networkInterfaceId(eni).instanceId(instanceId).deviceIndex(deviceIndex));
        return eni;
    }

    Map<String, String> tags(String instanceId) {
        return InstanceRun.tagMap(describe(instanceId).tags());
    }

    /** The record on the instance, read with the test deployment's key. */
    io.entitylockdown.core.record.RecordReading<InstanceState> record(Instance instance) {
        return io.entitylockdown.core.TestRecords.read(tags(instance.instanceId()), arn(instance), InstanceState.class);
    }

    InstanceState.ProtectionState protection(String instanceId) {
        boolean termination = Boolean.TRUE.equals(ec2.describeInstanceAttribute(b -> b.instanceId(instanceId)
                .attribute("disableApiTermination")).disableApiTermination().value());
        var stop = ec2.describeInstanceAttribute(b -> b.instanceId(instanceId).attribute("disableApiStop")).disableApiStop();
        return new InstanceState.ProtectionState(termination, stop != null && Boolean.TRUE.equals(stop.value()));
    }

    /** Snapshots tagged as evidence of this instance. */
    List<software.amazon.awssdk.services.ec2.model.Snapshot> evidence(String instanceId) {
        return ec2.describeSnapshots(b -> b.ownerIds("self").filters(Filter.builder()
                .name("tag:" + Evidence.INSTANCE_TAG).values(instanceId).build())).snapshots();
    }

    /** The instance ARNs the role's per-instance lockdown policies deny (each exactly the lockdown's document). */
    Set<String> deniedOnRole(String role) {
        Set<String> arns = new TreeSet<>();
        for (String name : iam.listRolePolicies(b -> b.roleName(role)).policyNames()) {
            if (name.startsWith(CredentialDenyPolicy.PER_INSTANCE_PREFIX)) {
                CredentialDenyPolicy.instanceArns(iam.getRolePolicy(b -> b.roleName(role).policyName(name)).policyDocument())
                        .ifPresent(arns::addAll);
            }
        }
        return arns;
    }

    Instance describe(String instanceId) {
        return ec2.describeInstances(b -> b.instanceIds(instanceId)).reservations().get(0).instances().get(0);
    }

    @Override
    public void close() {
        sessions.close();
    }
}
