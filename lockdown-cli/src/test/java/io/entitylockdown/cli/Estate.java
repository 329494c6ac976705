package io.entitylockdown.cli;

import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.testkit.MotoServer;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterfaceSpecification;
import software.amazon.awssdk.services.iam.IamClient;

/** Set-up and read-back clients for CLI tests, acting directly in an account (not through the CLI). */
final class Estate implements AutoCloseable {
    static final String ACCOUNT = "111111111111";

    private final AccountSessions sessions;

    Estate(MotoServer moto) {
        AwsSettings settings = new AwsSettings(moto.endpoint(), Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")), List.of(),
                Duration.ofSeconds(10), Duration.ofSeconds(30), 3);
        // moto files an assumed role's resources under the role's account
        this.sessions = new AccountSessions(settings, Access.memberRole("SetupRole", null));
    }

    AccountSession in(String account, String region) {
        return sessions.session("aws", account, region, "cli-test-setup");
    }

    IamClient iam() {
        return in(ACCOUNT, "us-east-1").iam();
    }

    /** An IAM user with an active access key; returns its ARN. */
    String user(String name) {
        String arn = iam().createUser(b -> b.userName(name)).user().arn();
        iam().createAccessKey(b -> b.userName(name));
        return arn;
    }

    List<String> attachedUserPolicies(String name) {
        return iam().listAttachedUserPolicies(b -> b.userName(name)).attachedPolicies().stream()
                .map(p -> p.policyName()).toList();
    }

    /** True when the lockdown's containment policy on the user is in force and denies everything. */
    boolean denyInForce(String name) {
        String arn = iam().getUser(b -> b.userName(name)).user().arn();
        try {
            String document = iam().getUserPolicy(b -> b.userName(name)
                    .policyName(io.entitylockdown.core.iam.ContainmentPolicy.NAME)).policyDocument();
            return io.entitylockdown.core.iam.ContainmentPolicy.parse(document, arn)
                    .map(io.entitylockdown.core.iam.ContainmentPolicy.Form::denyAll).orElse(false);
        } catch (software.amazon.awssdk.services.iam.model.NoSuchEntityException e) {
            return false;
        }
    }

    List<String> keyStatuses(String name) {
        return iam().listAccessKeys(b -> b.userName(name)).accessKeyMetadata().stream()
                .map(k -> k.statusAsString()).toList();
    }

    /** An EC2 instance with two network interfaces in a new VPC; returns its ARN. */
    String instance(String region) {
        Ec2Client ec2 = in(ACCOUNT, region).ec2();
        String vpc = ec2.createVpc(b -> b.cidrBlock("10.30.0.0/16")).vpc().vpcId();
        String subnet = ec2.createSubnet(b -> b.vpcId(vpc).cidrBlock("10.30.1.0/24")).subnet().subnetId();
        String group = ec2.createSecurityGroup(b -> b.vpcId(vpc).groupName("app").description("app")).groupId();
        String image = ec2.describeImages(b -> b.owners("amazon").filters(Filter.builder().name("name")
                .values("amzn2-ami-hvm-2.0.*-x86_64-gp2").build())).images().get(0).imageId();
        String id = ec2.runInstances(b -> b.imageId(image).instanceType("t3.micro").minCount(1).maxCount(1)
                .networkInterfaces(
                        InstanceNetworkInterfaceSpecification.builder().deviceIndex(0).subnetId(subnet).groups(group).build(),
                        InstanceNetworkInterfaceSpecification.builder().deviceIndex(1).subnetId(subnet).groups(group).build()))
                .instances().get(0).instanceId();
        return "arn:aws:ec2:" + region + ":" + ACCOUNT + ":instance/" + id;
    }

    List<String> interfaceGroups(String region, String instanceArn) {
        String id = instanceArn.substring(instanceArn.lastIndexOf('/') + 1);
        return in(ACCOUNT, region).ec2().describeNetworkInterfaces(b -> b.filters(Filter.builder().name("attachment.instance-id")
                .values(id).build())).networkInterfaces().stream()
                .flatMap(n -> n.groups().stream().map(g -> g.groupName())).toList();
    }

    @Override
    public void close() {
        sessions.close();
    }
}
