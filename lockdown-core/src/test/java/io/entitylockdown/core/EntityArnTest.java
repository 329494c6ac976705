package io.entitylockdown.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EntityArnTest {
    private static final String ACCOUNT = "123456789012";

    static Stream<Arguments> validArns() {
        return Stream.of(
                // arn, type, partition, region, path, name, qualifier
                Arguments.of("arn:aws:iam::123456789012:user/alice", EntityType.IAM_USER, "aws", "", "/", "alice", ""),
                Arguments.of("arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/Bob", EntityType.IAM_USER,
                        "aws", "", "/division_abc/subdivision_xyz/", "Bob", ""),
                Arguments.of("arn:aws:iam::123456789012:role/service-role/x", EntityType.IAM_ROLE, "aws", "",
                        "/service-role/", "x", ""),
                Arguments.of("arn:aws:iam::123456789012:role/a+b=c,d.e@f_g-h", EntityType.IAM_ROLE, "aws", "", "/",
                        "a+b=c,d.e@f_g-h", ""),
                Arguments.of("arn:aws-cn:iam::123456789012:role/Admin", EntityType.IAM_ROLE, "aws-cn", "", "/", "Admin", ""),
                Arguments.of("arn:aws-us-gov:iam::123456789012:user/gov/ops", EntityType.IAM_USER, "aws-us-gov", "",
                        "/gov/", "ops", ""),
                Arguments.of("arn:aws-iso:iam::123456789012:role/r", EntityType.IAM_ROLE, "aws-iso", "", "/", "r", ""),
                Arguments.of("arn:aws-iso-b:iam::123456789012:user/u", EntityType.IAM_USER, "aws-iso-b", "", "/", "u", ""),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:function:my-fn", EntityType.LAMBDA_FUNCTION, "aws",
                        "us-east-1", "", "my-fn", ""),
                Arguments.of("arn:aws:lambda:eu-west-1:123456789012:function:my_fn:7", EntityType.LAMBDA_FUNCTION, "aws",
                        "eu-west-1", "", "my_fn", "7"),
                Arguments.of("arn:aws:lambda:ap-southeast-2:123456789012:function:fn:prod-2", EntityType.LAMBDA_FUNCTION,
                        "aws", "ap-southeast-2", "", "fn", "prod-2"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST", EntityType.LAMBDA_FUNCTION,
                        "aws", "us-east-1", "", "fn", "$LATEST"),
                Arguments.of("arn:aws-cn:lambda:cn-north-1:123456789012:function:fn", EntityType.LAMBDA_FUNCTION,
                        "aws-cn", "cn-north-1", "", "fn", ""),
                Arguments.of("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:fn:live",
                        EntityType.LAMBDA_FUNCTION, "aws-us-gov", "us-gov-west-1", "", "fn", "live"),
                Arguments.of("arn:aws-iso:lambda:us-iso-east-1:123456789012:function:fn", EntityType.LAMBDA_FUNCTION,
                        "aws-iso", "us-iso-east-1", "", "fn", ""),
                Arguments.of("arn:aws:ec2:us-east-1:123456789012:instance/i-0123abcd", EntityType.EC2_INSTANCE, "aws",
                        "us-east-1", "", "i-0123abcd", ""),
                Arguments.of("arn:aws:ec2:us-west-2:123456789012:instance/i-0123456789abcdef0", EntityType.EC2_INSTANCE,
                        "aws", "us-west-2", "", "i-0123456789abcdef0", ""),
                Arguments.of("arn:aws-cn:ec2:cn-northwest-1:123456789012:instance/i-0123456789abcdef0",
                        EntityType.EC2_INSTANCE, "aws-cn", "cn-northwest-1", "", "i-0123456789abcdef0", ""),
                Arguments.of("arn:aws-iso-b:ec2:us-isob-east-1:123456789012:instance/i-0123abcd", EntityType.EC2_INSTANCE,
                        "aws-iso-b", "us-isob-east-1", "", "i-0123abcd", ""),
                Arguments.of("arn:aws-iso-e:ec2:eu-isoe-west-1:123456789012:instance/i-0123abcd", EntityType.EC2_INSTANCE,
                        "aws-iso-e", "eu-isoe-west-1", "", "i-0123abcd", ""),
                Arguments.of("arn:aws-iso-f:ec2:us-isof-south-1:123456789012:instance/i-0123abcd", EntityType.EC2_INSTANCE,
                        "aws-iso-f", "us-isof-south-1", "", "i-0123abcd", ""),
                Arguments.of("arn:aws-eusc:lambda:eusc-de-east-1:123456789012:function:fn", EntityType.LAMBDA_FUNCTION,
                        "aws-eusc", "eusc-de-east-1", "", "fn", ""),
                // a role session: the role's name, the session name as qualifier, no path (the ARN has none)
                Arguments.of("arn:aws:sts::123456789012:assumed-role/Admin/incident-session", EntityType.ROLE_SESSION,
                        "aws", "", "", "Admin", "incident-session"),
                Arguments.of("arn:aws:sts::123456789012:assumed-role/app-server-role/i-0f1e2d3c4b5a69788",
                        EntityType.ROLE_SESSION, "aws", "", "", "app-server-role", "i-0f1e2d3c4b5a69788"),
                Arguments.of("arn:aws-cn:sts::123456789012:assumed-role/a+b=c,d.e@f_g-h/jo@example.com",
                        EntityType.ROLE_SESSION, "aws-cn", "", "", "a+b=c,d.e@f_g-h", "jo@example.com"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validArns")
    void parse_acceptsSupportedEntity(String arn, EntityType type, String partition, String region, String path,
            String name, String qualifier) {
        EntityArn parsed = EntityArn.parse(arn);

        assertThat(parsed.arn()).isEqualTo(arn);
        assertThat(parsed.type()).isEqualTo(type);
        assertThat(parsed.partition()).isEqualTo(partition);
        assertThat(parsed.region()).isEqualTo(region);
        assertThat(parsed.accountId()).isEqualTo(ACCOUNT);
        assertThat(parsed.path()).isEqualTo(path);
        assertThat(parsed.name()).isEqualTo(name);
        assertThat(parsed.qualifier()).isEqualTo(qualifier);
        assertThat(parsed.isGlobal()).isEqualTo(region.isEmpty());
    }

    @Test
    void parse_stripsSurroundingWhitespace() {
        EntityArn parsed = EntityArn.parse("  arn:aws:iam::123456789012:user/alice\n");

        assertThat(parsed.arn()).isEqualTo("arn:aws:iam::123456789012:user/alice");
    }

    @Test
    void unqualifiedArn_dropsVersionOrAlias() {
        assertThat(EntityArn.parse("arn:aws:lambda:us-east-1:123456789012:function:fn:prod").unqualifiedArn())
                .isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:fn");
        assertThat(EntityArn.parse("arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST").unqualifiedArn())
                .isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:fn");
        assertThat(EntityArn.parse("arn:aws:lambda:us-east-1:123456789012:function:fn").unqualifiedArn())
                .isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:fn");
    }

    @Test
    void label_namesTypePathQualifierAndPlace() {
        assertThat(EntityArn.parse("arn:aws:iam::123456789012:role/ops/deployer").label())
                .isEqualTo("IAM role ops/deployer in 123456789012");
        assertThat(EntityArn.parse("arn:aws:lambda:eu-west-1:123456789012:function:fn:prod").label())
                .isEqualTo("Lambda function fn:prod in 123456789012/eu-west-1");
        assertThat(EntityArn.parse("arn:aws:sts::123456789012:assumed-role/deployer/build-7").label())
                .isEqualTo("IAM role session deployer/build-7 in 123456789012");
    }

    @Test
    void roleSession_namesItsSessionAndItsRole_andKeepsItsArnWhole() {
        EntityArn session = EntityArn.parse("arn:aws-us-gov:sts::123456789012:assumed-role/deployer/build-7");

        assertThat(session.sessionName()).isEqualTo("build-7");
        assertThat(session.unqualifiedArn()).isEqualTo(session.arn());
        assertThat(session.sessionRole()).isEqualTo(EntityArn.parse("arn:aws-us-gov:iam::123456789012:role/deployer"));
        assertThat(EntityArn.parse("arn:aws:iam::123456789012:role/deployer").sessionName()).isEmpty();
        assertThat(catchThrowableOfType(IllegalStateException.class,
                () -> EntityArn.parse("arn:aws:iam::123456789012:role/deployer").sessionRole())).isNotNull();
    }

    @Test
    void roleSession_ofAServiceLinkedRole_isRecognisedByTheRoleName() {
        assertThat(EntityArn.parse("arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling")
                .isServiceLinkedRole()).isTrue();
        assertThat(EntityArn.parse("arn:aws:sts::123456789012:assumed-role/awsserviceroleforecs/ecs-1")
                .isServiceLinkedRole()).isTrue();
        assertThat(EntityArn.parse("arn:aws:sts::123456789012:assumed-role/deployer/AWSServiceRoleForX")
                .isServiceLinkedRole()).isFalse();
    }

    @Test
    void isServiceLinkedRole_onlyForRolesUnderAwsServiceRolePath() {
        assertThat(EntityArn.parse("arn:aws:iam::123456789012:role/aws-service-role/"
                + "elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing").isServiceLinkedRole())
                .isTrue();
        assertThat(EntityArn.parse("arn:aws:iam::123456789012:role/service-role/x").isServiceLinkedRole()).isFalse();
        assertThat(EntityArn.parse("arn:aws:iam::123456789012:user/aws-service-role/x").isServiceLinkedRole()).isFalse();
    }

    /** Input, then a fragment the reason must contain so the responder knows what is wrong. */
    static Stream<Arguments> refusedInputs() {
        String longName = "f".repeat(65);
        return Stream.of(
                Arguments.of(null, "input is empty"),
                Arguments.of("", "input is empty"),
                Arguments.of("   \t ", "input is empty"),
                Arguments.of("arn:aws:iam::123456789012:user/al ice", "space, control or non-ASCII character at position 34"),
                Arguments.of("arn:aws:iam::123456789012:user/ali\tce", "control or non-ASCII"),
                Arguments.of("arn:aws:iam::123456789012:user/alicé", "non-ASCII character at position 36"),
                Arguments.of("arn:aws:iam::123456789012:user/alice\u00a0", "non-ASCII"),
                Arguments.of("arn:aws:iam::123456789012:user/" + "a".repeat(2100), "ARNs are at most 2048"),
                Arguments.of("alice", "not an ARN"),
                Arguments.of("ARN:aws:iam::123456789012:user/alice", "not an ARN"),
                Arguments.of("arn:aws:iam::123456789012", "colon-separated parts"),
                Arguments.of("arn:aws:s3:::my-bucket", "service 's3' are not supported"),
                Arguments.of("arn:aws:s3:::my-bucket/key.txt", "service 's3' are not supported"),
                Arguments.of("arn:aws:dynamodb:us-east-1:123456789012:table/orders", "service 'dynamodb' are not supported"),
                Arguments.of("arn:aws::us-east-1:123456789012:function:fn", "has no service"),
                Arguments.of("arn:aws:sts::123456789012:federated-user/bob", "federated user session (GetFederationToken)"),
                Arguments.of("arn:aws:sts::123456789012:federated-user/bob", "contain it, which cuts this session off"),
                Arguments.of("arn:aws:sts::123456789012:user/bob", "STS ARNs name sessions"),
                Arguments.of("arn:aws:sts::123456789012:assumed-role/Admin", "ends in assumed-role/<role name>/<session name>"),
                Arguments.of("arn:aws:sts::123456789012:assumed-role/Admin/", "'' is not a valid role session name"),
                Arguments.of("arn:aws:sts::123456789012:assumed-role/Admin/x", "'x' is not a valid role session name"),
                Arguments.of("arn:aws:sts::123456789012:assumed-role/Admin/" + "s".repeat(65),
                        "is not a valid role session name"),
                Arguments.of("arn:aws:sts::123456789012:assumed-role/ops/Admin/s1",
                        "ends in assumed-role/<role name>/<session name>"),
                Arguments.of("arn:aws:sts::123456789012:assumed-role//s1", "'' is not a valid IAM role name"),
                Arguments.of("arn:aws:sts::123456789012:assumed-role/Ad!min/s1", "'Ad!min' is not a valid IAM role name"),
                Arguments.of("arn:aws:sts:us-east-1:123456789012:assumed-role/Admin/s1", "Role session ARNs have no region"),
                Arguments.of("arn:aws:iam::123456789012:root", "root user cannot be contained"),
                Arguments.of("arn:aws:iam::aws:policy/AdministratorAccess", "AWS managed policy"),
                Arguments.of("arn:aws:iam::123456789012:policy/MyPolicy", "IAM resource type 'policy' is not supported"),
                Arguments.of("arn:aws:iam::123456789012:group/Admins", "IAM resource type 'group' is not supported"),
                Arguments.of("arn:aws:iam::123456789012:instance-profile/web",
                        "IAM resource type 'instance-profile' is not supported"),
                Arguments.of("arn:aws:iam::12345678901:user/alice", "account id '12345678901' is not twelve digits"),
                Arguments.of("arn:aws:iam::1234567890123:user/alice", "account id '1234567890123' is not twelve digits"),
                Arguments.of("arn:aws:iam::12345678901a:user/alice", "account id '12345678901a' is not twelve digits"),
                Arguments.of("arn:aws:iam:::user/alice", "account id '' is not twelve digits"),
                Arguments.of("arn:aws:iam::123456789012:user", "IAM user ARN has no name"),
                Arguments.of("arn:aws:iam::123456789012:user/", "IAM user ARN has no name"),
                Arguments.of("arn:aws:iam::123456789012:user/al!ce", "'al!ce' is not a valid IAM user name"),
                Arguments.of("arn:aws:iam::123456789012:role/" + "r".repeat(65), "is not a valid IAM role name"),
                Arguments.of("arn:aws:iam::123456789012:role//x", "IAM path '//' is not valid"),
                Arguments.of("arn:aws:iam::123456789012:role/" + "p/".repeat(260) + "x", "longer than 512"),
                Arguments.of("arn:aws:iam:us-east-1:123456789012:user/alice", "IAM ARNs have no region"),
                Arguments.of("arn:aws:lambda::123456789012:function:fn", "Lambda ARNs must name a region"),
                Arguments.of("arn:aws:ec2::123456789012:instance/i-0123abcd", "EC2 ARNs must name a region"),
                Arguments.of("arn:aws:lambda:useast1:123456789012:function:fn", "'useast1' is not an AWS region name"),
                Arguments.of("arn:aws:lambda:cn-north-1:123456789012:function:fn",
                        "Region 'cn-north-1' is in partition 'aws-cn', not in 'aws'"),
                Arguments.of("arn:aws-cn:ec2:us-east-1:123456789012:instance/i-0123abcd",
                        "Region 'us-east-1' is in partition 'aws', not in 'aws-cn'"),
                Arguments.of("arn:aws-us-gov:lambda:us-east-1:123456789012:function:fn", "not in 'aws-us-gov'"),
                Arguments.of("arn:aws:ec2:us-gov-west-1:123456789012:instance/i-0123abcd", "is in partition 'aws-us-gov'"),
                Arguments.of("arn:aws-iso:lambda:us-east-1:123456789012:function:fn", "not in 'aws-iso'"),
                Arguments.of("arn:aws:ec2:us-iso-east-1:123456789012:instance/i-0123abcd", "is in partition 'aws-iso'"),
                Arguments.of("arn:aws:ec2:eu-isoe-west-1:123456789012:instance/i-0123abcd", "is in partition 'aws-iso-e'"),
                Arguments.of("arn:aws-xyz:iam::123456789012:user/alice", "Unknown partition 'aws-xyz'"),
                Arguments.of("arn:azure:iam::123456789012:user/alice", "Unknown partition 'azure'"),
                Arguments.of("arn::iam::123456789012:user/alice", "Unknown partition ''"),
                Arguments.of("arn:aws:ec2:us-east-1:123456789012:instance/i-123", "'i-123' is not an EC2 instance id"),
                Arguments.of("arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789ABCDEF0", "is not an EC2 instance id"),
                Arguments.of("arn:aws:ec2:us-east-1:123456789012:instance/i-01234567890", "is not an EC2 instance id"),
                Arguments.of("arn:aws:ec2:us-east-1:123456789012:instance/0123456789abcdef0", "is not an EC2 instance id"),
                Arguments.of("arn:aws:ec2:us-east-1:123456789012:instance/", "is not an EC2 instance id"),
                Arguments.of("arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0",
                        "EC2 resource type 'security-group' is not supported"),
                Arguments.of("arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0",
                        "EC2 resource type 'volume' is not supported"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:function:" + longName,
                        "is not a valid Lambda function name"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:function:my.fn", "'my.fn' is not a valid Lambda function name"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:function:fn:prod!", "'prod!' is not a valid Lambda version or alias"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:function:fn:", "'' is not a valid Lambda version or alias"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:function:fn:" + "a".repeat(129),
                        "is not a valid Lambda version or alias"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:function:fn:1:2", "ends in function:<name>"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:function", "ends in function:<name>"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:layer:my-layer:3", "Lambda resource 'layer' is not supported"),
                Arguments.of("arn:aws:lambda:us-east-1:123456789012:event-source-mapping:1b2c3d",
                        "Lambda resource 'event-source-mapping' is not supported"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("refusedInputs")
    void parse_refusesWithReasonAndSupportedForms(String input, String reason) {
        InvalidArnException error = catchThrowableOfType(InvalidArnException.class, () -> EntityArn.parse(input));

        assertThat(error).as("refused: %s", input).isNotNull();
        assertThat(error.reason()).contains(reason);
        assertThat(error.getMessage())
                .endsWith(InvalidArnException.SUPPORTED)
                .doesNotContain("Exception")
                .hasSizeLessThan(1000);
    }

    @Test
    void refusedInputs_areAtLeastThirty() {
        assertThat(refusedInputs().count()).isGreaterThanOrEqualTo(30);
    }
}
