package io.entitylockdown.core.iam;

import static io.entitylockdown.core.iam.IamFixtures.ACCOUNT;
import static io.entitylockdown.core.iam.IamFixtures.OPTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestRecords;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * When a user's inline policies leave no room for the containment policy (IAM's 2,048-character
 * quota, modelled by an interceptor), AWSDenyAll is attached instead and recorded, and release
 * detaches exactly that.
 */
@ExtendWith(MotoExtension.class)
class InlineQuotaIT {
    private static final String DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll";

    /** A user whose own inline policy takes most of the 2,048 characters. */
    private static String crowdedUser(IamClient iam, String name, int fill) {
        String arn = iam.createUser(b -> b.userName(name)).user().arn();
        String resource = "arn:aws:s3:::" + "b".repeat(fill);
        iam.putUserPolicy(b -> b.userName(name).policyName("big-own-policy").policyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                        + "\"Resource\":\"" + resource + "\"}]}"));
        iam.createAccessKey(b -> b.userName(name));
        return arn;
    }

    @Test
    void contain_whenTheInlineQuotaIsFull_attachesAWSDenyAll_andPutsTheRevocationWhenItFits(MotoServer moto) {
        try (AccountSessions setup = IamFixtures.setupSessions(moto)) {
            IamClient iam = IamFixtures.iam(setup, ACCOUNT);
            // room for the revocation alone (about 270 characters) but not for the whole policy (about 420)
            String arn = crowdedUser(iam, "crowded", 1_650);
            IamFixtures.Snapshot before = IamFixtures.user(iam, "crowded");

            try (LockdownEngine engine = IamFixtures.engineWith(moto, new InlinePolicyQuota(iam, 2_048, 10_240))) {
                ContainmentReport contained = engine.contain(arn, OPTIONS);
                assertThat(contained.outcome()).as(contained.summary() + contained.steps()).isEqualTo(Outcome.SUCCEEDED);
                assertThat(contained.verified()).isTrue();
                assertThat(contained.steps()).filteredOn(s -> s.step().equals("deny-all")).singleElement()
                        .satisfies(s -> assertThat(s.detail()).contains("LimitExceeded").contains("AWSDenyAll"));
                IamFixtures.Snapshot during = IamFixtures.user(iam, "crowded");
                assertThat(during.attached()).contains(DENY_ALL);
                assertThat(IamUserLockdownIT.form(during, arn).denyAll()).isFalse();
                assertThat(TestRecords.verified(during.tags(), arn, UserState.class).state().attachedDenyAll()).isTrue();

                ContainmentReport released = engine.release(arn, OPTIONS);
                assertThat(released.outcome()).as(released.summary() + released.steps()).isEqualTo(Outcome.SUCCEEDED);
                assertThat(released.steps()).filteredOn(s -> s.step().equals("detach-deny-all")).singleElement()
                        .extracting(StepResult::status).isEqualTo(StepStatus.DONE);
            }
            IamFixtures.Snapshot after = IamFixtures.user(iam, "crowded");
            assertThat(after.attached()).isEqualTo(before.attached());
            assertThat(after.withoutInline(ContainmentPolicy.NAME).inline()).isEqualTo(before.inline());
            assertThat(after.tags()).isEqualTo(before.tags());
        }
    }

    @Test
    void contain_whenNotEvenTheRevocationFits_deniesWithAWSDenyAll_andSaysSessionsAreOnlyDeniedWhileAttached(
            MotoServer moto) {
        try (AccountSessions setup = IamFixtures.setupSessions(moto)) {
            IamClient iam = IamFixtures.iam(setup, ACCOUNT);
            String arn = crowdedUser(iam, "full", 1_950);
            try (LockdownEngine engine = IamFixtures.engineWith(moto, new InlinePolicyQuota(iam, 2_048, 10_240))) {
                ContainmentReport contained = engine.contain(arn, OPTIONS);
                assertThat(contained.outcome()).isEqualTo(Outcome.PARTIAL);
                assertThat(contained.steps()).filteredOn(s -> s.step().equals("revoke-older-sessions")).singleElement()
                        .extracting(StepResult::status).isEqualTo(StepStatus.FAILED);
                assertThat(contained.notes()).anySatisfy(n -> assertThat(n).contains("only while AWSDenyAll is attached"));
            }
            assertThat(IamFixtures.user(iam, "full").attached()).contains(DENY_ALL);
        }
    }

    @Test
    void containFunction_whenItsRolesInlineQuotaIsFull_deniesTheRoleWithAWSDenyAll_andReleaseDetachesIt(
            MotoServer moto) {
        try (AccountSessions setup = IamFixtures.setupSessions(moto)) {
            IamClient iam = IamFixtures.iam(setup, ACCOUNT);
            String role = IamFixtures.createRole(iam, "/", "busy-role");
            iam.putRolePolicy(b -> b.roleName("busy-role").policyName("big-own-policy").policyDocument(
                    io.entitylockdown.core.ec2.Ec2Policies.big(10_100)));
            IamFixtures.Snapshot before = IamFixtures.role(iam, "busy-role");
            String function = io.entitylockdown.core.lambda.LambdaFixtures.createFunction(
                    io.entitylockdown.core.lambda.LambdaFixtures.lambda(setup, ACCOUNT, "us-east-1"), "busy", role, null);

            try (LockdownEngine engine = IamFixtures.engineWith(moto, new InlinePolicyQuota(iam, 2_048, 10_240))) {
                ContainmentReport contained = engine.contain(function, OPTIONS);
                assertThat(contained.outcome()).as(contained.summary() + contained.steps()).isEqualTo(Outcome.PARTIAL);
                assertThat(contained.step("role-deny-all").orElseThrow().detail()).contains("AWSDenyAll");
                assertThat(contained.step("role-revoke-older-sessions").orElseThrow().status())
                        .as("not even the revocation fits").isEqualTo(StepStatus.FAILED);
                assertThat(IamFixtures.role(iam, "busy-role").attached()).contains(DENY_ALL);

                ContainmentReport released = engine.release(function, OPTIONS);
                assertThat(released.outcome()).as(released.summary() + released.steps()).isEqualTo(Outcome.SUCCEEDED);
            }
            IamFixtures.Snapshot after = IamFixtures.role(iam, "busy-role");
            assertThat(after.attached()).isEqualTo(before.attached());
            assertThat(after.tags()).isEqualTo(before.tags());
        }
    }
}
