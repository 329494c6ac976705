package io.entitylockdown.core.iam;

import static io.entitylockdown.core.iam.IamFixtures.ACCOUNT;
import static io.entitylockdown.core.iam.IamFixtures.OPTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.lambda.LambdaFixtures;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.strategy.StateTags;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/** The inline fallback when a user already has the maximum of managed policies (quota modelled by an interceptor). */
@ExtendWith(MotoExtension.class)
class ManagedPolicyQuotaIT {

    @Test
    void contain_whenQuotaFull_fallsBackToInlineDeny_andReleaseRemovesIt(MotoServer moto) {
        try (AccountSessions setup = IamFixtures.setupSessions(moto)) {
            IamClient iam = IamFixtures.iam(setup, ACCOUNT);
            String arn = iam.createUser(b -> b.userName("full")).user().arn();
            for (int i = 0; i < 10; i++) {
                String name = "team-policy-" + i;
                String policy = iam.createPolicy(b -> b.policyName(name).policyDocument(
                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\","
                                + "\"Resource\":\"arn:aws:s3:::bucket-" + name + "\"}]}")).policy().arn();
                iam.attachUserPolicy(b -> b.userName("full").policyArn(policy));
            }
            iam.createAccessKey(b -> b.userName("full"));
            IamFixtures.Snapshot before = IamFixtures.user(iam, "full");
            assertThat(before.attached()).hasSize(10);

            try (LockdownEngine engine = IamFixtures.engineWith(moto, new ManagedPolicyQuota(iam, 10))) {
                ContainmentReport contained = engine.contain(arn, OPTIONS);
                assertThat(contained.outcome()).as(contained.summary()).isEqualTo(Outcome.SUCCEEDED);
                assertThat(contained.verified()).isTrue();
                assertThat(contained.steps()).filteredOn(s -> s.step().equals("deny-all")).singleElement()
                        .satisfies(s -> assertThat(s.detail()).contains("LimitExceeded").contains(DenyPolicies.DENY_ALL_NAME));

                IamFixtures.Snapshot during = IamFixtures.user(iam, "full");
                assertThat(during.attached()).isEqualTo(before.attached());
                assertThat(DenyPolicies.deniesEverything(during.inline().get(DenyPolicies.DENY_ALL_NAME))).isTrue();
                var state = StateTags.decode(during.tags()).orElseThrow().state();
                assertThat(state.path(PrincipalDenial.PUT_INLINE_DENY_ALL).asBoolean()).isTrue();
                assertThat(state.path(PrincipalDenial.ATTACHED_DENY_ALL).asBoolean()).isFalse();

                ContainmentReport again = engine.contain(arn, OPTIONS);
                assertThat(IamUserLockdownIT.entitySteps(again)).extracting(StepResult::status).containsOnly(StepStatus.ALREADY);
                assertThat(IamFixtures.user(iam, "full")).isEqualTo(during);

                ContainmentReport released = engine.release(arn, OPTIONS);
                assertThat(released.outcome()).as(released.summary()).isEqualTo(Outcome.SUCCEEDED);
                assertThat(released.steps()).filteredOn(s -> s.step().equals("delete-inline-deny-all")).singleElement()
                        .satisfies(s -> assertThat(s.status()).isEqualTo(StepStatus.DONE));
            }
            IamFixtures.Snapshot after = IamFixtures.user(iam, "full");
            assertThat(after.withoutInline(DenyPolicies.REVOKE_NAME).attached()).isEqualTo(before.attached());
            assertThat(after.withoutInline(DenyPolicies.REVOKE_NAME).inline()).isEqualTo(before.inline());
            assertThat(after.tags()).isEqualTo(before.tags());
        }
    }

    @Test
    void containFunction_whenItsRolesQuotaIsFull_deniesTheRoleInline_andReleaseRemovesIt(MotoServer moto) {
        try (AccountSessions setup = IamFixtures.setupSessions(moto)) {
            IamClient iam = IamFixtures.iam(setup, ACCOUNT);
            String role = IamFixtures.createRole(iam, "/", "busy-role");
            for (int i = 1; i < 10; i++) {
                String name = "role-policy-" + i;
                String policy = iam.createPolicy(b -> b.policyName(name).policyDocument(
                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sqs:SendMessage\","
                                + "\"Resource\":\"*\"}]}")).policy().arn();
                iam.attachRolePolicy(b -> b.roleName("busy-role").policyArn(policy));
            }
            IamFixtures.Snapshot before = IamFixtures.role(iam, "busy-role");
            assertThat(before.attached()).hasSize(10);
            String function = LambdaFixtures.createFunction(LambdaFixtures.lambda(setup, ACCOUNT, "us-east-1"), "busy", role,
                    null);

            try (LockdownEngine engine = IamFixtures.engineWith(moto, new ManagedPolicyQuota(iam, 10))) {
                ContainmentReport contained = engine.contain(function, OPTIONS);
                assertThat(contained.outcome()).as(contained.summary()).isEqualTo(Outcome.SUCCEEDED);
                assertThat(contained.verified()).isTrue();
                assertThat(IamFixtures.role(iam, "busy-role").inline()).containsKey(DenyPolicies.DENY_ALL_NAME);
                assertThat(engine.release(function, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            }
            assertThat(IamFixtures.role(iam, "busy-role").withoutInline(DenyPolicies.REVOKE_NAME)).isEqualTo(before);
        }
    }
}
