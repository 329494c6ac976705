package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.model.Instance;

/** The credentials step: one deny policy per role, conditioned on the instance, and its failure modes. */
@ExtendWith(MotoExtension.class)
class Ec2InstanceCredentialsIT {
    /** Every call of this class's engines, for the least-privilege check after them. */
    private static final CallRecorder CALLS = new CallRecorder();

    @AfterAll
    static void everyCallDeclared() {
        TestEngine.assertDeclared(new Ec2InstanceLockdown(), CALLS);
    }
    static final String ACCOUNT = MotoEstate.ACCOUNT;
    static final ContainmentOptions NO_WINDOW = ContainmentOptions.defaults().withWindowSeconds(0).withSnapshot(false);

    private static Set<String> listed(Network net, String role) {
        return Ec2InstanceLockdownIT.deniedOnRole(net, role);
    }

    private static List<String> policiesOf(Network net, String role) {
        return net.account().iam().listRolePolicies(b -> b.roleName(role)).policyNames();
    }

    @Test
    void contain_twoInstancesSharingARole_eachGetsItsOwnDenyPolicy(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            // the profile's name is not the role's: the deny must land on the role the profile holds
            String profile = net.instanceProfile("shared-web-profile", "shared-web");
            String role = "shared-web";
            Instance first = net.instance().interfaces(1).profile(profile).launch();
            Instance second = net.instance().interfaces(1).profile(profile).launch();

            ContainmentReport one = engine.contain(net.arn(first), NO_WINDOW);

            assertThat(one.outcome()).as(one.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(policiesOf(net, role)).containsExactly(CredentialDenyPolicy.perInstanceName(first.instanceId()));
            assertThat(listed(net, role)).containsExactly(net.arn(first));

            ContainmentReport two = engine.contain(net.arn(second), NO_WINDOW);

            assertThat(two.step("deny-credentials " + role).orElseThrow().status()).isEqualTo(StepStatus.DONE);
            assertThat(policiesOf(net, role)).containsExactlyInAnyOrder(
                    CredentialDenyPolicy.perInstanceName(first.instanceId()),
                    CredentialDenyPolicy.perInstanceName(second.instanceId()));
            assertThat(listed(net, role)).containsExactlyInAnyOrder(net.arn(first), net.arn(second));
        }
    }

    @Test
    void release_ofOneOfTwoInstancesSharingARole_removesOnlyItsOwnDenyPolicy(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            String role = net.instanceProfile("shared-web");
            Instance first = net.instance().interfaces(1).profile(role).launch();
            Instance second = net.instance().interfaces(1).profile(role).launch();
            engine.contain(net.arn(first), NO_WINDOW);
            engine.contain(net.arn(second), NO_WINDOW);

            ContainmentReport releaseFirst = engine.release(net.arn(first), NO_WINDOW);

            assertThat(releaseFirst.outcome()).as(releaseFirst.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(listed(net, role)).containsExactly(net.arn(second));

            engine.release(net.arn(second), NO_WINDOW);

            assertThat(policiesOf(net, role)).isEmpty();
        }
    }

    @Test
    void contain_protectedRole_refusesOnlyTheCredentialStep_andStillIsolates(MotoEstate estate) {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/breakglass*"), List.of(), List.of(),
                MotoEstate.MEMBER_ROLE);
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).guardrails(guardrails).interceptor(CALLS).build()) {
            // protected by the role's name, reached through a profile named otherwise
            Instance instance = net.instance().interfaces(2).profile(net.instanceProfile("ops-profile", "breakglass-admin"))
                    .launch();

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW);

            var step = report.step("deny-credentials breakglass-admin").orElseThrow();
            assertThat(step.status()).isEqualTo(StepStatus.REFUSED);
            assertThat(step.detail()).contains("was not changed", "protected");
            assertThat(report.outcome()).as("a refusal is final").isEqualTo(Outcome.REFUSED);
            assertThat(net.account().iam().listRolePolicies(b -> b.roleName("breakglass-admin")).policyNames()).isEmpty();
            String isolation = net.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName).get(0).groupId();
            assertThat(net.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
        }
    }

    @Test
    void contain_whenIamStepFails_networkIsStillIsolated(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            Instance instance = net.instance().interfaces(2).profile(net.instanceProfile("gone")).launch();
            // The profile disappears after launch: IAM now fails for this instance.
            net.account().iam().removeRoleFromInstanceProfile(b -> b.instanceProfileName("gone").roleName("gone"));
            net.account().iam().deleteInstanceProfile(b -> b.instanceProfileName("gone"));

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW);

            assertThat(report.step("instance-profile-roles").orElseThrow().status()).isEqualTo(StepStatus.FAILED);
            assertThat(report.outcome()).isEqualTo(Outcome.PARTIAL);
            String isolation = net.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName).get(0).groupId();
            assertThat(net.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
            assertThat(report.steps()).filteredOn(s -> s.step().startsWith("isolate "))
                    .hasSize(2).allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.DONE));
        }
    }

    @Test
    void contain_whenTheRolesInlineQuotaIsFull_saysTheCredentialsAreNotDenied_andWhatToDo_andStillIsolates(MotoEstate estate) {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS, new io.entitylockdown.core.iam.InlinePolicyQuota(net.account().iam(), 2_048, 10_240)).build()) {
            String role = net.instanceProfile("brim");
            net.account().iam().putRolePolicy(b -> b.roleName(role).policyName("app-buckets").policyDocument(bigPolicy(10_100)));
            Instance instance = net.instance().interfaces(1).profile(role).launch();

            ContainmentReport report = engine.contain(net.arn(instance), NO_WINDOW);

            var step = report.step("deny-credentials " + role).orElseThrow();
            assertThat(step.status()).isEqualTo(StepStatus.FAILED);
            assertThat(step.detail()).contains("LimitExceeded", "NOT denied", "contain the role itself",
                    "lockdown contain arn:aws:iam::" + ACCOUNT + ":role/" + role);
            assertThat(report.outcome()).isEqualTo(Outcome.PARTIAL);
            String isolation = net.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName).get(0).groupId();
            assertThat(net.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
        }
    }

    static String bigPolicy(int size) {
        return Ec2Policies.big(size);
    }
}
