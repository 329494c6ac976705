package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.model.Instance;

/** The credentials step: one deny policy per role, conditioned on the instance, and its failure modes. */
@ExtendWith(MotoExtension.class)
class Ec2InstanceCredentialsIT {

    @AfterAll
    static void everyCallDeclared() {
        Ec2Lab.assertEveryCallDeclared();
    }
    static final String ACCOUNT = "111111111111";
    static final ContainmentOptions NO_WINDOW = ContainmentOptions.defaults().withWindowSeconds(0).withSnapshot(false);

    private static Set<String> listed(Ec2Lab lab, String role) {
        return lab.deniedOnRole(role);
    }

    @Test
    void contain_twoInstancesSharingARole_eachHasItsOwnDenyPolicy_andReleaseRemovesOnlyItsOwn(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            String role = lab.profileWithRole("shared-web");
            Instance first = lab.instance(1, role);
            Instance second = lab.instance(1, role);

            ContainmentReport one = engine.contain(lab.arn(first), NO_WINDOW);

            assertThat(one.outcome()).as(one.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(lab.iam.listRolePolicies(b -> b.roleName(role)).policyNames())
                    .containsExactly(CredentialDenyPolicy.perInstanceName(first.instanceId()));
            assertThat(listed(lab, role)).containsExactly(lab.arn(first));

            ContainmentReport two = engine.contain(lab.arn(second), NO_WINDOW);

            assertThat(two.step("deny-credentials " + role).orElseThrow().status()).isEqualTo(StepStatus.DONE);
            assertThat(lab.iam.listRolePolicies(b -> b.roleName(role)).policyNames()).containsExactlyInAnyOrder(
                    CredentialDenyPolicy.perInstanceName(first.instanceId()),
                    CredentialDenyPolicy.perInstanceName(second.instanceId()));
            assertThat(listed(lab, role)).containsExactlyInAnyOrder(lab.arn(first), lab.arn(second));

            ContainmentReport releaseFirst = engine.release(lab.arn(first), NO_WINDOW);

            assertThat(releaseFirst.outcome()).as(releaseFirst.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(listed(lab, role)).containsExactly(lab.arn(second));

            engine.release(lab.arn(second), NO_WINDOW);

            assertThat(lab.iam.listRolePolicies(b -> b.roleName(role)).policyNames()).isEmpty();
        }
    }

    @Test
    void contain_protectedRole_refusesOnlyTheCredentialStep_andStillIsolates(MotoServer moto) {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/breakglass*"), List.of(), List.of(),
                TestAws.MEMBER_ROLE);
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1");
                LockdownEngine engine = Ec2Lab.engine(moto, guardrails)) {
            Instance instance = lab.instance(2, lab.profileWithRole("breakglass-admin"));

            ContainmentReport report = engine.contain(lab.arn(instance), NO_WINDOW);

            var step = report.step("deny-credentials breakglass-admin").orElseThrow();
            assertThat(step.status()).isEqualTo(StepStatus.REFUSED);
            assertThat(step.detail()).contains("was not changed", "protected");
            assertThat(report.outcome()).as("a refusal is final").isEqualTo(Outcome.REFUSED);
            assertThat(lab.iam.listRolePolicies(b -> b.roleName("breakglass-admin")).policyNames()).isEmpty();
            String isolation = lab.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName).get(0).groupId();
            assertThat(lab.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
        }
    }

    @Test
    void contain_whenIamStepFails_networkIsStillIsolated(MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            Instance instance = lab.instance(2, lab.profileWithRole("gone"));
            // The profile disappears after launch: IAM now fails for this instance.
            lab.iam.removeRoleFromInstanceProfile(b -> b.instanceProfileName("gone").roleName("gone"));
            lab.iam.deleteInstanceProfile(b -> b.instanceProfileName("gone"));

            ContainmentReport report = engine.contain(lab.arn(instance), NO_WINDOW);

            assertThat(report.step("instance-profile-roles").orElseThrow().status()).isEqualTo(StepStatus.FAILED);
            assertThat(report.outcome()).isEqualTo(Outcome.PARTIAL);
            String isolation = lab.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName).get(0).groupId();
            assertThat(lab.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
            assertThat(report.steps()).filteredOn(s -> s.step().startsWith("isolate "))
                    .hasSize(2).allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.DONE));
        }
    }

    @Test
    void contain_whenTheRolesInlineQuotaIsFull_saysTheCredentialsAreNotDenied_andWhatToDo_andStillIsolates(
            MotoServer moto) {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1");
                LockdownEngine engine = Ec2Lab.engine(moto, Guardrails.minimal(TestAws.MEMBER_ROLE),
                        new io.entitylockdown.core.iam.InlinePolicyQuota(lab.iam, 2_048, 10_240))) {
            String role = lab.profileWithRole("brim");
            lab.iam.putRolePolicy(b -> b.roleName(role).policyName("app-buckets").policyDocument(bigPolicy(10_100)));
            Instance instance = lab.instance(1, role);

            ContainmentReport report = engine.contain(lab.arn(instance), NO_WINDOW);

            var step = report.step("deny-credentials " + role).orElseThrow();
            assertThat(step.status()).isEqualTo(StepStatus.FAILED);
            assertThat(step.detail()).contains("LimitExceeded", "NOT denied", "contain the role itself",
                    "lockdown contain arn:aws:iam::" + ACCOUNT + ":role/" + role);
            assertThat(report.outcome()).isEqualTo(Outcome.PARTIAL);
            String isolation = lab.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName).get(0).groupId();
            assertThat(lab.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
        }
    }

    static String bigPolicy(int size) {
        return Ec2Policies.big(size);
    }
}
