package io.entitylockdown.cli;

import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.strategy.Strategies;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterfaceSpecification;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The small estate the demo contains, seeded in a local moto server before IAM is enforced: two
 * accounts (the security account 123456789012, a workload account 111111111111), two regions.
 *
 * <ul>
 *   <li>workload: IAM user {@code mallory} whose access key the attacker stole; Lambda function
 *       {@code billing-export} (us-west-2) with its execution role; IAM role {@code etl-runner}, one of whose
 *       sessions a GuardDuty finding names; IAM user {@code build-bot}, whose leaked access key a Security Hub
 *       finding names</li>
 *   <li>security: IAM role {@code ci-deployer}; EC2 instance {@code web} (us-east-1) with two network
 *       interfaces, an instance profile and an Auto Scaling group</li>
 *   <li>both: the member role {@code EntityLockdownMemberRole}, allowed exactly what the strategies
 *       declare, trusting the lockdown's identity with the ExternalId; an auditor that reads state</li>
 *   <li>security: the lockdown's identity (an IAM user standing in for the function's execution role,
 *       because moto only enforces IAM on keys it issued), the lockdown topic and the queue the demo
 *       reads the published message from</li>
 * </ul>
 */
final class DemoEstate {
    static final String SECURITY_ACCOUNT = "123456789012";
    static final String WORKLOAD_ACCOUNT = "111111111111";
    static final String EAST = "us-east-1";
    static final String WEST = "us-west-2";
    static final String MEMBER_ROLE = "EntityLockdownMemberRole";
    static final String LOCKDOWN_IDENTITY = "entity-lockdown-function";
    static final String SESSION_ROLE = "etl-runner";
    static final String SESSION_NAME = "nightly-2207";

    final String externalId;
    final String userArn;
    final String roleArn;
    final String functionArn;
    /** The role session a GuardDuty finding names (contained from the finding, not published). */
    final String sessionArn;
    final String buildBotArn;
    String sessionRoleId;
    String leakedKeyId;
    String instanceArn;
    String instanceId;
    String autoScalingGroup;
    AwsCredentialsProvider stolenKey;
    AwsCredentialsProvider lockdownIdentity;
    final Map<String, AwsCredentialsProvider> auditors = new LinkedHashMap<>();
    String topicArn;
    String queueUrl;
    String auditTopicArn;
    String auditQueueUrl;
    String phase2QueueUrl;
    String phase2QueueArn;
    final List<String> seeded = new ArrayList<>();

    private DemoEstate(String externalId) {
        this.externalId = externalId;
        this.userArn = "arn:aws:iam::" + WORKLOAD_ACCOUNT + ":user/mallory";
        this.roleArn = "arn:aws:iam::" + SECURITY_ACCOUNT + ":role/ci-deployer";
        this.functionArn = "arn:aws:lambda:" + WEST + ":" + WORKLOAD_ACCOUNT + ":function:billing-export";
        this.sessionArn = "arn:aws:sts::" + WORKLOAD_ACCOUNT + ":assumed-role/" + SESSION_ROLE + "/" + SESSION_NAME;
        this.buildBotArn = "arn:aws:iam::" + WORKLOAD_ACCOUNT + ":user/ci/build-bot";
    }

    /** The entities the responder publishes lockdown messages for. */
    List<String> entities() {
        return List.of(userArn, roleArn, functionArn, instanceArn);
    }

    /** The entities the findings name (a role session, the owner of a leaked key). */
    List<String> findingEntities() {
        return List.of(sessionArn, buildBotArn);
    }

    /** Every entity the story contains, for status and release. */
    List<String> allEntities() {
        List<String> all = new ArrayList<>(entities());
        all.addAll(findingEntities());
        return all;
    }

    /** Seeds everything with moto's unauthenticated set-up access; IAM is not enforced yet. */
    static DemoEstate seed(URI endpoint) {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        DemoEstate estate = new DemoEstate("demo-" + HexFormat.of().formatHex(random));
        AwsSettings setup = settings(endpoint, StaticCredentialsProvider.create(AwsBasicCredentials.create("demo", "demo")));
        // an assumed role's keys are filed by moto under the role's account: that is how we reach the workload account
        try (AccountSessions sessions = new AccountSessions(setup, Access.memberRole("DemoSetup", null))) {
            AccountSession security = sessions.session("aws", SECURITY_ACCOUNT, EAST, "demo-setup");
            AccountSession workload = sessions.session("aws", WORKLOAD_ACCOUNT, EAST, "demo-setup");
            AccountSession workloadWest = sessions.session("aws", WORKLOAD_ACCOUNT, WEST, "demo-setup");
            estate.lockdownIdentity = estate.seedLockdownIdentity(security.iam());
            for (AccountSession account : List.of(security, workload)) {
                estate.seedMemberRole(account.iam(), account.accountId());
                estate.auditors.put(account.accountId(), estate.seedAuditor(account.iam()));
            }
            estate.stolenKey = estate.seedUser(workload.iam());
            estate.seedRole(security.iam());
            estate.seedFunction(workload.iam(), workloadWest);
            estate.seedSessionRole(workload.iam());
            estate.seedBuildBot(workload.iam());
            estate.seedInstance(security);
            try (SnsClient sns = sessions.caller().configure(SnsClient.builder(), Region.US_EAST_1).build();
                    SqsClient sqs = sessions.caller().configure(SqsClient.builder(), Region.US_EAST_1).build()) {
                estate.seedTopic(sns, sqs);
            }
        }
        return estate;
    }

    static AwsSettings settings(URI endpoint, AwsCredentialsProvider credentials) {
        return AwsSettings.builder().endpoint(endpoint).homeRegion(Region.US_EAST_1).credentials(credentials)
                .attemptTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(30)).maxAttempts(2).build();
    }

    private AwsCredentialsProvider seedLockdownIdentity(IamClient iam) {
        iam.createUser(b -> b.userName(LOCKDOWN_IDENTITY));
        iam.putUserPolicy(b -> b.userName(LOCKDOWN_IDENTITY).policyName("assume-member-roles").policyDocument(
                allow(List.of("sts:AssumeRole"), "arn:aws:iam::*:role/" + MEMBER_ROLE)));
        iam.putUserPolicy(b -> b.userName(LOCKDOWN_IDENTITY).policyName("own-queues-and-topics").policyDocument(
                allow(List.of("sns:Publish", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                        "sqs:GetQueueUrl", "securityhub:BatchUpdateFindings"), "*")));
        seeded.add("the lockdown's identity " + LOCKDOWN_IDENTITY + " in " + SECURITY_ACCOUNT
                + " (may only assume the member roles and use its own topics and queues)");
        return keyOf(iam.createAccessKey(b -> b.userName(LOCKDOWN_IDENTITY)).accessKey());
    }

    private void seedMemberRole(IamClient iam, String account) {
        Map<String, Object> trust = Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Effect", "Allow",
                "Principal", Map.of("AWS", "arn:aws:iam::" + SECURITY_ACCOUNT + ":user/" + LOCKDOWN_IDENTITY),
                "Action", "sts:AssumeRole",
                "Condition", Map.of("StringEquals", Map.of("sts:ExternalId", externalId)))));
        iam.createRole(b -> b.roleName(MEMBER_ROLE).assumeRolePolicyDocument(Json.write(trust)));
        Set<String> actions = new TreeSet<>(Strategies.standard().permissions());
        if (!actions.isEmpty()) {
            iam.putRolePolicy(b -> b.roleName(MEMBER_ROLE).policyName("entity-lockdown")
                    .policyDocument(allow(List.copyOf(actions), "*")));
        }
        seeded.add("member role " + MEMBER_ROLE + " in " + account + " (" + actions.size()
                + " actions, the strategies' declared permissions; trusts the lockdown with the ExternalId)");
    }

    private AwsCredentialsProvider seedAuditor(IamClient iam) {
        iam.createUser(b -> b.userName("demo-auditor"));
        iam.putUserPolicy(b -> b.userName("demo-auditor").policyName("read-everything").policyDocument(
                allow(List.of("iam:Get*", "iam:List*", "ec2:Describe*", "lambda:Get*", "lambda:List*",
                        "autoscaling:Describe*", "sqs:*", "sns:*"), "*")));
        return keyOf(iam.createAccessKey(b -> b.userName("demo-auditor")).accessKey());
    }

    private AwsCredentialsProvider seedUser(IamClient iam) {
        iam.createUser(b -> b.userName("mallory"));
        iam.putUserPolicy(b -> b.userName("mallory").policyName("developer").policyDocument(
                allow(List.of("ec2:Describe*", "iam:GetUser", "iam:ListAccessKeys", "lambda:List*"), "*")));
        seeded.add("IAM user mallory in " + WORKLOAD_ACCOUNT + " with an access key (the stolen one)");
        return keyOf(iam.createAccessKey(b -> b.userName("mallory")).accessKey());
    }

    private void seedRole(IamClient iam) {
        iam.createRole(b -> b.roleName("ci-deployer").assumeRolePolicyDocument(trustService("ec2.amazonaws.com")));
        iam.putRolePolicy(b -> b.roleName("ci-deployer").policyName("deploy").policyDocument(
                allow(List.of("cloudformation:*", "s3:PutObject"), "*")));
        seeded.add("IAM role ci-deployer in " + SECURITY_ACCOUNT);
    }

    private void seedSessionRole(IamClient iam) {
        iam.createRole(b -> b.roleName(SESSION_ROLE).assumeRolePolicyDocument(trustService("ec2.amazonaws.com")));
        iam.putRolePolicy(b -> b.roleName(SESSION_ROLE).policyName("etl").policyDocument(
                allow(List.of("s3:GetObject", "s3:PutObject", "glue:StartJobRun"), "*")));
        sessionRoleId = iam.getRole(b -> b.roleName(SESSION_ROLE)).role().roleId();
        seeded.add("IAM role " + SESSION_ROLE + " in " + WORKLOAD_ACCOUNT + " (id " + sessionRoleId + "); GuardDuty will "
                + "report one of its sessions, " + SESSION_NAME);
    }

    private void seedBuildBot(IamClient iam) {
        iam.createUser(b -> b.path("/ci/").userName("build-bot"));
        leakedKeyId = iam.createAccessKey(b -> b.userName("build-bot")).accessKey().accessKeyId();
        seeded.add("IAM user ci/build-bot in " + WORKLOAD_ACCOUNT + " with access key " + leakedKeyId
                + " (a secret scanner will report it leaked, to Security Hub)");
    }

    private void seedFunction(IamClient iam, AccountSession west) {
        String role = iam.createRole(b -> b.roleName("billing-export-role")
                .assumeRolePolicyDocument(trustService("lambda.amazonaws.com"))).role().arn();
        west.lambda().createFunction(b -> b.functionName("billing-export").runtime("python3.12").role(role)
                .handler("index.handler").code(c -> c.zipFile(SdkBytes.fromByteArray(zip("index.py",
                        "def handler(event, context):\n    return 'exported'\n")))));
        seeded.add("Lambda function billing-export in " + WORKLOAD_ACCOUNT + "/" + WEST + " (role billing-export-role)");
    }

    private void seedInstance(AccountSession account) {
        IamClient iam = account.iam();
        Ec2Client ec2 = account.ec2();
        iam.createRole(b -> b.roleName("web-instance-role").assumeRolePolicyDocument(trustService("ec2.amazonaws.com")));
        iam.createInstanceProfile(b -> b.instanceProfileName("web-instance-profile"));
        iam.addRoleToInstanceProfile(b -> b.instanceProfileName("web-instance-profile").roleName("web-instance-role"));
        String vpc = ec2.createVpc(b -> b.cidrBlock("10.20.0.0/16")).vpc().vpcId();
        String subnet = ec2.createSubnet(b -> b.vpcId(vpc).cidrBlock("10.20.1.0/24").availabilityZone(EAST + "a"))
                .subnet().subnetId();
        String web = ec2.createSecurityGroup(b -> b.vpcId(vpc).groupName("web").description("web tier")).groupId();
        ec2.authorizeSecurityGroupIngress(b -> b.groupId(web).ipPermissions(IpPermission.builder()
                .ipProtocol("tcp").fromPort(443).toPort(443).ipRanges(IpRange.builder().cidrIp("0.0.0.0/0").build())
                .build()));
        // a narrow filter: describing every image moto knows takes seconds
        String image = ec2.describeImages(b -> b.owners("amazon").filters(Filter.builder().name("name")
                .values("amzn2-ami-hvm-2.0.*-x86_64-gp2").build())).images().get(0).imageId();
        String template = ec2.createLaunchTemplate(b -> b.launchTemplateName("web").launchTemplateData(d -> d
                .imageId(image).instanceType(InstanceType.T3_MICRO))).launchTemplate().launchTemplateId();
        autoScalingGroup = "web-asg";
        account.autoScaling().createAutoScalingGroup(b -> b.autoScalingGroupName(autoScalingGroup).minSize(0)
                .maxSize(3).desiredCapacity(0).vpcZoneIdentifier(subnet)
                .launchTemplate(t -> t.launchTemplateId(template).version("$Latest")));
        String data = ec2.createSecurityGroup(b -> b.vpcId(vpc).groupName("data").description("data plane")).groupId();
        // launched the way most instances are (--subnet-id --security-group-ids), with a second interface
        // attached afterwards
        instanceId = ec2.runInstances(b -> b.imageId(image).instanceType(InstanceType.T3_MICRO).minCount(1).maxCount(1)
                .subnetId(subnet).securityGroupIds(web)
                .iamInstanceProfile(p -> p.name("web-instance-profile"))
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.INSTANCE)
                        .tags(Tag.builder().key("Name").value("web").build()).build()))
                .instances().get(0).instanceId();
        String dataPlane = ec2.createNetworkInterface(b -> b.subnetId(subnet).groups(data).description("web data plane"))
                .networkInterface().networkInterfaceId();
        ec2.attachNetworkInterface(b -> b.networkInterfaceId(dataPlane).instanceId(instanceId).deviceIndex(1));
        account.autoScaling().attachInstances(b -> b.autoScalingGroupName(autoScalingGroup).instanceIds(instanceId));
        instanceArn = "arn:aws:ec2:" + EAST + ":" + account.accountId() + ":instance/" + instanceId;
        seeded.add("EC2 instance " + instanceId + " in " + account.accountId() + "/" + EAST
                + " (launched with --security-group-ids) with a second network interface attached, instance profile "
                + "web-instance-profile, in Auto Scaling group "
                + autoScalingGroup);
    }

    private void seedTopic(SnsClient sns, SqsClient sqs) {
        topicArn = sns.createTopic(b -> b.name("entity-lockdown")).topicArn();
        queueUrl = subscribedQueue(sns, sqs, topicArn, "entity-lockdown-inbox");
        auditTopicArn = sns.createTopic(b -> b.name("entity-lockdown-audit")).topicArn();
        auditQueueUrl = subscribedQueue(sns, sqs, auditTopicArn, "entity-lockdown-audit-inbox");
        phase2QueueUrl = sqs.createQueue(b -> b.queueName("entity-lockdown-phase2")).queueUrl();
        phase2QueueArn = queueArn(sqs, phase2QueueUrl);
        seeded.add("the function's topics entity-lockdown and entity-lockdown-audit, and its phase-2 delay queue, in "
                + SECURITY_ACCOUNT + " (the demo reads the topics through queues)");
    }

    private static String subscribedQueue(SnsClient sns, SqsClient sqs, String topic, String name) {
        String url = sqs.createQueue(b -> b.queueName(name)).queueUrl();
        String arn = queueArn(sqs, url);
        sns.subscribe(b -> b.topicArn(topic).protocol("sqs").endpoint(arn));
        return url;
    }

    private static String queueArn(SqsClient sqs, String url) {
        return sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    String lockdownIdentityArn() {
        return "arn:aws:iam::" + SECURITY_ACCOUNT + ":user/" + LOCKDOWN_IDENTITY;
    }

    private static AwsCredentialsProvider keyOf(AccessKey key) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey()));
    }

    private static String allow(List<String> actions, String resource) {
        return Json.write(Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Effect", "Allow", "Action", actions, "Resource", resource))));
    }

    private static String trustService(String service) {
        return Json.write(Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Effect", "Allow", "Principal", Map.of("Service", service), "Action", "sts:AssumeRole"))));
    }

    private static byte[] zip(String name, String content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(content.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
