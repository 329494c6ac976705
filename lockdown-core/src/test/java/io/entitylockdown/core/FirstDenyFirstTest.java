package io.entitylockdown.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The order of the requests each strategy sends, pinned without a network (not their timing): an
 * attacker with a stolen key is racing the responder, so the first containing write goes out before
 * anything else it does not strictly need. Reads that run alongside it start only once it is being sent.
 */
class FirstDenyFirstTest {
    private static final String ACCOUNT = "111111111111";
    private static final String USER = "arn:aws:iam::" + ACCOUNT + ":user/ops/mallory";
    private static final String ROLE = "arn:aws:iam::" + ACCOUNT + ":role/ci-deployer";
    private static final String FUNCTION = "arn:aws:lambda:us-east-1:" + ACCOUNT + ":function:billing";
    private static final String INSTANCE = "arn:aws:ec2:us-east-1:" + ACCOUNT + ":instance/i-0123456789abcdef0";
    private static final Set<String> CONTAINING_WRITES = Set.of("PutUserPolicy", "PutRolePolicy", "AttachUserPolicy",
            "AttachRolePolicy", "UpdateAccessKey", "PutFunctionConcurrency", "ModifyNetworkInterfaceAttribute",
            "ModifyInstanceAttribute");
    private static final ContainmentOptions OPTIONS = ContainmentOptions.defaults();

    private static String empty(String operation) {
        return "<" + operation + "Response><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></"
                + operation + "Response>";
    }

    private static String param(String body, String name) {
        for (String pair : body.split("&")) {
            if (pair.startsWith(name + "=")) {
                return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no " + name + " in " + body);
    }

    private static String assumeRole() {
        return "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAFAKE</AccessKeyId>"
                + "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
                + "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::"
                + ACCOUNT + ":assumed-role/EntityLockdownMemberRole/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>"
                + "</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";
    }

    /** IAM that keeps the inline policies it was given, so the read-back verifies. */
    private static FakeAws iam(String kind, String arn) {
        AtomicReference<String> policy = new AtomicReference<>();
        AtomicReference<String> keyStatus = new AtomicReference<>("Active");
        String entity = kind.equals("User") ? "<User><Path>" + (arn.contains("/ops/") ? "/ops/" : "/") + "</Path><UserName>"
                + arn.substring(arn.lastIndexOf('/') + 1) + "</UserName><UserId>AIDAFAKE</UserId><Arn>" + arn
                + "</Arn><CreateDate>2020-01-01T00:00:00Z</CreateDate></User>"
                : "<Role><Path>/</Path><RoleName>" + arn.substring(arn.lastIndexOf('/') + 1) + "</RoleName><RoleId>AROAFAKE"
                + "</RoleId><Arn>" + arn + "</Arn><CreateDate>2020-01-01T00:00:00Z</CreateDate></Role>";
        return new FakeAws(Duration.ofMillis(20))
                .answer("AssumeRole", assumeRole())
                .answer("Put" + kind + "Policy", body -> {
                    policy.set(param(body, "PolicyDocument"));
                    return empty("Put" + kind + "Policy");
                })
                .answer("Get" + kind, "<Get" + kind + "Response><Get" + kind + "Result>" + entity + "</Get" + kind
                        + "Result></Get" + kind + "Response>")
                .answer("Get" + kind + "Policy", body -> "<Get" + kind + "PolicyResponse><Get" + kind + "PolicyResult>"
                        + "<PolicyName>EntityLockdownContainment</PolicyName><PolicyDocument>"
                        + URLEncoder.encode(policy.get(), StandardCharsets.UTF_8) + "</PolicyDocument></Get" + kind
                        + "PolicyResult></Get" + kind + "PolicyResponse>")
                .answer("Tag" + kind, empty("Tag" + kind))
                .answer("ListAccessKeys", body -> "<ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata>"
                        + "<member><UserName>mallory</UserName><AccessKeyId>AKIAFAKEFAKEFAKE0001</AccessKeyId><Status>"
                        + keyStatus.get() + "</Status></member></AccessKeyMetadata>"
                        + "<IsTruncated>false</IsTruncated></ListAccessKeysResult></ListAccessKeysResponse>")
                .answer("UpdateAccessKey", body -> {
                    keyStatus.set(param(body, "Status"));
                    return empty("UpdateAccessKey");
                });
    }

    private static String firstWrite(FakeAws aws) {
        return aws.sent().stream().filter(CONTAINING_WRITES::contains).findFirst()
                .orElseThrow(() -> new AssertionError("no containing write in " + aws.events()));
    }

    @Test
    void user_theDenyIsTheFirstRequest_withASession_andRightAfterAssumingTheMemberRole() {
        FakeAws cached = iam("User", USER);
        try (LockdownEngine engine = cached.engine(false)) {
            ContainmentReport report = engine.contain(USER, OPTIONS);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(cached.sent()).first().isEqualTo("PutUserPolicy");
            assertThat(cached.answeredBefore("PutUserPolicy")).isEmpty();
            assertThat(cached.sent()).as("at most eight requests for a user").hasSizeLessThanOrEqualTo(8)
                    .containsSubsequence("PutUserPolicy", "TagUser", "UpdateAccessKey");
        }
        FakeAws assumed = iam("User", USER);
        try (LockdownEngine engine = assumed.engine(true)) {
            engine.contain(USER, OPTIONS);

            assertThat(assumed.answeredBefore("PutUserPolicy")).containsExactly("AssumeRole");
            assertThat(assumed.sent()).startsWith("AssumeRole", "PutUserPolicy");
        }
    }

    @Test
    void role_theDenyIsTheFirstRequest() {
        FakeAws aws = iam("Role", ROLE);
        try (LockdownEngine engine = aws.engine(false)) {
            ContainmentReport report = engine.contain(ROLE, OPTIONS);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(aws.sent()).first().isEqualTo("PutRolePolicy");
            assertThat(aws.answeredBefore("PutRolePolicy")).isEmpty();
            assertThat(aws.sent()).hasSize(4).containsExactly("PutRolePolicy", "GetRole", "TagRole", "GetRolePolicy");
        }
    }

    /**
     * A function's first containing write needs one read: setting the concurrency to 0 destroys the value
     * release must restore, and the role to deny is only named in the configuration.
     */
    @Test
    void function_onlyTheFunctionsOwnReadsComeBeforeTheFirstWrite() {
        FakeAws aws = iam("Role", "arn:aws:iam::" + ACCOUNT + ":role/billing-role")
                .answer("GetFunction", "{\"Configuration\":{\"FunctionName\":\"billing\",\"FunctionArn\":\"" + FUNCTION
                        + "\",\"Role\":\"arn:aws:iam::" + ACCOUNT + ":role/billing-role\"},\"Tags\":{}}")
                .answer("GetFunctionConcurrency", "{\"ReservedConcurrentExecutions\":5}")
                .answer("PutFunctionConcurrency", "{\"ReservedConcurrentExecutions\":0}")
                .answer("TagResource", "")
                .answer("ListFunctions", "{\"Functions\":[]}");
        try (LockdownEngine engine = aws.engine(false)) {
            engine.contain(FUNCTION, OPTIONS);

            String first = firstWrite(aws);
            assertThat(aws.answeredBefore(first)).containsExactlyInAnyOrder("GetFunction", "GetFunctionConcurrency");
            assertThat(aws.sent()).containsSubsequence("TagResource", "PutFunctionConcurrency");
        }
    }

    @Test
    void instance_onlyDescribeInstancesComesBeforeTheFirstWrite() {
        String ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";
        FakeAws aws = new FakeAws(Duration.ofMillis(20))
                .answer("DescribeInstances", "<DescribeInstancesResponse xmlns=\"" + ec2 + "\"><reservationSet><item>"
                        + "<reservationId>r-1</reservationId><instancesSet><item><instanceId>i-0123456789abcdef0</instanceId>"
                        + "<vpcId>vpc-12345678</vpcId><instanceState><code>16</code><name>running</name></instanceState>"
                        + "<networkInterfaceSet><item><networkInterfaceId>eni-12345678</networkInterfaceId><attachment>"
                        + "<deviceIndex>0</deviceIndex></attachment><groupSet><item><groupId>sg-12345678</groupId>"
                        + "<groupName>web</groupName></item></groupSet></item></networkInterfaceSet>"
                        + "</item></instancesSet></item></reservationSet></DescribeInstancesResponse>")
                .answer("ModifyNetworkInterfaceAttribute", "<ModifyNetworkInterfaceAttributeResponse xmlns=\"" + ec2
                        + "\"><return>true</return></ModifyNetworkInterfaceAttributeResponse>");
        try (LockdownEngine engine = aws.engine(false)) {
            engine.contain(INSTANCE, OPTIONS);

            assertThat(firstWrite(aws)).isEqualTo("ModifyNetworkInterfaceAttribute");
            assertThat(aws.answeredBefore("ModifyNetworkInterfaceAttribute")).containsExactly("DescribeInstances");
            assertThat(aws.sent()).first().isEqualTo("DescribeInstances");
        }
    }

    @Test
    void theFakeRecordsEachRequestOnce_sentBeforeAnswered() {
        FakeAws aws = iam("Role", ROLE);
        try (LockdownEngine engine = aws.engine(false)) {
            engine.status(ROLE);
        }
        List<FakeAws.Event> events = aws.events();
        assertThat(events).filteredOn(FakeAws.Event::sent).extracting(FakeAws.Event::operation)
                .containsExactlyInAnyOrder("GetRole", "GetRolePolicy", "ListAttachedRolePolicies");
        assertThat(events.indexOf(new FakeAws.Event("GetRole", true)))
                .isLessThan(events.indexOf(new FakeAws.Event("GetRole", false)));
    }
}
