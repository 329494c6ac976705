package io.entitylockdown.core.iam;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.testkit.MotoServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.Tag;

/** Set-up and read-back for IAM integration tests: clients in any account, and full before/after snapshots. */
public final class IamFixtures {
    public static final String ACCOUNT = "111111111111";
    public static final String OTHER_ACCOUNT = "222222222222";
    public static final ContainmentOptions OPTIONS = ContainmentOptions.defaults();

    private IamFixtures() {
    }

    /**
     * Set-up and read-back sessions (not recorded as engine calls) that wait long for moto: a set-up
     * call such as CreateRole is not idempotent, and an attempt that times out on a loaded machine
     * after moto already acted would be retried into EntityAlreadyExists.
     */
    public static AccountSessions setupSessions(MotoServer moto) {
        AwsSettings base = TestAws.setupSettings(moto);
        AwsSettings patient = new AwsSettings(base.endpointOverride(), base.homeRegion(), base.baseCredentials(),
                base.interceptors(), Duration.ofSeconds(90), Duration.ofSeconds(180), 1);
        return new AccountSessions(patient, Access.memberRole("SetupRole", null));
    }

    /** A set-up client acting in the account (not recorded as an engine call). */
    public static IamClient iam(AccountSessions setup, String account) {
        return setup.session("aws", account, "us-east-1", "setup-" + account).iam();
    }

    /** An engine assuming the member role, with extra interceptors (fault injection). */
    public static LockdownEngine engineWith(MotoServer moto, ExecutionInterceptor... interceptors) {
        AwsSettings base = TestAws.engineSettings(moto);
        List<ExecutionInterceptor> all = new ArrayList<>(base.interceptors());
        all.addAll(List.of(interceptors));
        AwsSettings settings = new AwsSettings(base.endpointOverride(), base.homeRegion(), base.baseCredentials(), all,
                base.attemptTimeout(), base.callTimeout(), base.maxAttempts());
        return LockdownEngine.builder()
                .sessions(new AccountSessions(settings, Access.memberRole(TestAws.MEMBER_ROLE, TestAws.EXTERNAL_ID)))
                .guardrails(Guardrails.minimal(TestAws.MEMBER_ROLE)).recordKey(TestAws.RECORD_KEY).build();
    }

    /**
     * Everything about a user or role that containment may touch.
     *
     * @param attached managed policy ARNs
     * @param inline   inline policy name to decoded document
     * @param keys     access key id to status (users only)
     * @param tags     every tag
     */
    public record Snapshot(TreeSet<String> attached, TreeMap<String, String> inline, TreeMap<String, String> keys,
            TreeMap<String, String> tags) {
        /** This snapshot with the inline policy of that name removed, to compare around a kept policy. */
        public Snapshot withoutInline(String name) {
            TreeMap<String, String> copy = new TreeMap<>(inline);
            copy.remove(name);
            return new Snapshot(attached, copy, keys, tags);
        }
    }

    public static Snapshot user(IamClient iam, String name) {
        TreeSet<String> attached = new TreeSet<>();
        iam.listAttachedUserPoliciesPaginator(b -> b.userName(name)).attachedPolicies().forEach(p -> attached.add(p.policyArn()));
        TreeMap<String, String> inline = new TreeMap<>();
        iam.listUserPoliciesPaginator(b -> b.userName(name)).policyNames().forEach(p -> inline.put(p,
                ContainmentPolicy.decode(iam.getUserPolicy(b -> b.userName(name).policyName(p)).policyDocument())));
        TreeMap<String, String> keys = new TreeMap<>();
        for (AccessKeyMetadata key : iam.listAccessKeysPaginator(b -> b.userName(name)).accessKeyMetadata()) {
            keys.put(key.accessKeyId(), key.statusAsString());
        }
        TreeMap<String, String> tags = new TreeMap<>();
        iam.listUserTagsPaginator(b -> b.userName(name)).tags().forEach(t -> tags.put(t.key(), t.value()));
        return new Snapshot(attached, inline, keys, tags);
    }

    public static Snapshot role(IamClient iam, String name) {
        TreeSet<String> attached = new TreeSet<>();
        iam.listAttachedRolePoliciesPaginator(b -> b.roleName(name)).attachedPolicies().forEach(p -> attached.add(p.policyArn()));
        TreeMap<String, String> inline = new TreeMap<>();
        iam.listRolePoliciesPaginator(b -> b.roleName(name)).policyNames().forEach(p -> inline.put(p,
                ContainmentPolicy.decode(iam.getRolePolicy(b -> b.roleName(name).policyName(p)).policyDocument())));
        TreeMap<String, String> tags = new TreeMap<>();
        iam.listRoleTagsPaginator(b -> b.roleName(name)).tags().forEach(t -> tags.put(t.key(), t.value()));
        return new Snapshot(attached, inline, new TreeMap<>(), tags);
    }

    /** A user with a path, a managed and an inline policy of its own, a tag, one active and one inactive key. */
    public static String createUser(IamClient iam, String path, String name) {
        String arn = iam.createUser(b -> b.path(path).userName(name).tags(Tag.builder().key("team").value("payments").build()))
                .user().arn();
        iam.attachUserPolicy(b -> b.userName(name).policyArn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        iam.putUserPolicy(b -> b.userName(name).policyName("own-inline").policyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"));
        iam.createAccessKey(b -> b.userName(name));
        String second = iam.createAccessKey(b -> b.userName(name)).accessKey().accessKeyId();
        iam.updateAccessKey(b -> b.userName(name).accessKeyId(second).status("Inactive"));
        return arn;
    }

    public static final String LAMBDA_TRUST = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";

    /** A role with a path, a managed policy and a tag. */
    public static String createRole(IamClient iam, String path, String name) {
        String arn = iam.createRole(b -> b.path(path).roleName(name).assumeRolePolicyDocument(LAMBDA_TRUST)
                .tags(Tag.builder().key("owner").value("platform").build())).role().arn();
        iam.attachRolePolicy(b -> b.roleName(name).policyArn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        return arn;
    }
}
