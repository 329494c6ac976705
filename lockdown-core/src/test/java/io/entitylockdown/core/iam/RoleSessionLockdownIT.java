package io.entitylockdown.core.iam;

import static io.entitylockdown.testkit.MotoEstate.ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.IamSnapshot;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * One session of a role, contained on moto: the policy the engine writes (moto does not evaluate
 * {@code aws:userid}, so which session it denies is asserted on the document), idempotence, release of
 * exactly the lockdown's document, look-alikes, guardrails and the inline quota.
 */
@ExtendWith(MotoExtension.class)
class RoleSessionLockdownIT {
    private static final String ROLE = "ci-deployer";
    private static final String ROLE_ARN = "arn:aws:iam::" + ACCOUNT + ":role/ci/" + ROLE;
    private static final String SESSION = "arn:aws:sts::" + ACCOUNT + ":assumed-role/" + ROLE + "/build-4711";
    private static final String POLICY = "EntityLockdownSession-build-4711";
    private static final ContainmentOptions OPTIONS = ContainmentOptions.defaults();

    private MotoEstate estate;
    private EstateAccount account;
    private IamClient iam;
    private String roleId;

    @BeforeEach
    void setUp(MotoEstate estate) {
        this.estate = estate;
        this.account = estate.account();
        this.iam = account.iam();
        assertThat(account.role(ROLE).path("/ci/").typical().create()).isEqualTo(ROLE_ARN);
        iam.putRolePolicy(b -> b.roleName(ROLE).policyName("deploy").policyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:PutObject\",\"Resource\":\"*\"}]}"));
        roleId = iam.getRole(b -> b.roleName(ROLE)).role().roleId();
    }

    @Test
    void contain_deniesThatSessionOnly_namesTheRole_andRecordsNothingElse() {
        IamSnapshot before = account.roleSnapshot(ROLE);
        ContainmentReport report;
        try (LockdownEngine engine = TestEngine.on(estate)) {
            report = engine.contain(SESSION, OPTIONS);
        }

        assertThat(report.outcome()).as(report.summary() + report.steps()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(report.verified()).isTrue();
        assertThat(report.summary()).isEqualTo("Containment of IAM role session ci-deployer/build-4711 in " + ACCOUNT
                + " succeeded, verified.");
        assertThat(entitySteps(report)).extracting(StepResult::step, StepResult::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("deny-session", StepStatus.DONE));
        IamSnapshot during = account.roleSnapshot(ROLE);
        assertThat(during.withoutInline(POLICY)).as("nothing else changed, no record in the tags").isEqualTo(before);
        String document = during.inline().get(POLICY);
        assertThat(SessionDeny.statement(document).at("/Condition/StringEquals/aws:userid").asText())
                .isEqualTo(roleId + ":build-4711");
        assertThat(SessionDeny.denies(document, Map.of("aws:userid", roleId + ":build-4711"))).isTrue();
        assertThat(SessionDeny.denies(document, Map.of("aws:userid", roleId + ":build-4712")))
                .as("another session of the same role").isFalse();
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("Only session build-4711 of role " + ROLE_ARN,
                "contain all of it with: lockdown contain " + ROLE_ARN));
        assertThat(report.state()).containsEntry("role", ROLE_ARN).containsEntry("sessionUserId", roleId + ":build-4711");
        assertThat(report.releaseCommand()).isEqualTo("lockdown release " + SESSION);
    }

    @Test
    void containTwice_isAlready_andChangesNothing() {
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(SESSION, OPTIONS);
            IamSnapshot during = account.roleSnapshot(ROLE);

            ContainmentReport again = engine.contain(SESSION, OPTIONS);

            assertThat(again.outcome()).as(again.summary() + again.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(again.verified()).isTrue();
            assertThat(entitySteps(again)).singleElement().satisfies(s -> {
                assertThat(s.step()).isEqualTo("deny-session");
                assertThat(s.status()).isEqualTo(StepStatus.ALREADY);
            });
            assertThat(account.roleSnapshot(ROLE)).isEqualTo(during);
        }
    }

    private static final String OTHER = "arn:aws:sts::" + ACCOUNT + ":assumed-role/" + ROLE + "/build-4712";

    @Test
    void release_removesOnlyTheLockdownsDocumentOfThatSession() {
        IamSnapshot before = account.roleSnapshot(ROLE);
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(SESSION, OPTIONS);
            engine.contain(OTHER, OPTIONS);

            ContainmentReport released = engine.release(SESSION, OPTIONS);

            assertThat(released.outcome()).as(released.summary() + released.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(released.verified()).isTrue();
            assertThat(released.notes()).anySatisfy(n -> assertThat(n).contains("that have not expired work again",
                    "at most 1 h"));
            IamSnapshot after = account.roleSnapshot(ROLE);
            assertThat(after.inline()).doesNotContainKey(POLICY).containsKey("EntityLockdownSession-build-4712");
            assertThat(after.withoutInline("EntityLockdownSession-build-4712")).isEqualTo(before);

            ContainmentReport status = engine.status(SESSION);
            assertThat(status.state()).containsEntry("contained", false);
            assertThat(engine.status(OTHER).state()).containsEntry("contained", true);
        }
    }

    @Test
    void releaseAgain_saysThereIsNothingToRelease() {
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(SESSION, OPTIONS);
            engine.release(SESSION, OPTIONS);

            ContainmentReport again = engine.release(SESSION, OPTIONS);

            assertThat(again.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(entitySteps(again)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(StepStatus.SKIPPED);
                assertThat(s.detail()).contains("not contained by Entity Lockdown");
            });
        }
    }

    private void plantLookAlike() {
        String planted = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"EntityLockdownDenySession\","
                + "\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":"
                + "{\"aws:userid\":\"" + roleId + ":someone-else\"}}}]}";
        iam.putRolePolicy(b -> b.roleName(ROLE).policyName(POLICY).policyDocument(planted));
    }

    @Test
    void aPlantedLookAlike_isNeverRemovedByRelease() {
        plantLookAlike();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport status = engine.status(SESSION);
            assertThat(status.state()).containsEntry("contained", false);

            ContainmentReport release = engine.release(SESSION, OPTIONS);

            assertThat(release.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(release.notes()).anySatisfy(n -> assertThat(n).contains("aws iam delete-role-policy --role-name "
                    + ROLE + " --policy-name " + POLICY));
            assertThat(SessionDeny.statement(account.roleSnapshot(ROLE).inline().get(POLICY))
                    .at("/Condition/StringEquals/aws:userid").asText()).isEqualTo(roleId + ":someone-else");
        }
    }

    @Test
    void aPlantedLookAlike_isOverwrittenByContainment() {
        plantLookAlike();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport contained = engine.contain(SESSION, OPTIONS);

            assertThat(contained.outcome()).as(contained.summary() + contained.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(contained.verified()).isTrue();
            assertThat(entitySteps(contained)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(StepStatus.DONE);
                assertThat(s.detail()).contains("was not the lockdown's document: replaced");
            });
        }
        assertThat(RoleSessionPolicy.isExactly(account.roleSnapshot(ROLE).inline().get(POLICY), roleId, "build-4711"))
                .isTrue();
    }

    @Test
    void aSessionWhoseNameDiffersOnlyInCase_neverLiftsTheOthersDeny() {
        // IAM may treat policy names without regard to case; model that by planting the other session's deny
        // under this session's policy name
        iam.putRolePolicy(b -> b.roleName(ROLE).policyName("EntityLockdownSession-Build-4711")
                .policyDocument(RoleSessionPolicy.document(roleId, "build-4711")));
        ContainmentReport report;
        try (LockdownEngine engine = TestEngine.on(estate)) {
            report = engine.contain("arn:aws:sts::" + ACCOUNT + ":assumed-role/" + ROLE + "/Build-4711", OPTIONS);
        }

        assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(entitySteps(report)).singleElement().satisfies(s -> assertThat(s.detail())
                .contains("already denies another session whose name differs only in case", roleId + ":build-4711",
                        "Contain the whole role instead: lockdown contain " + ROLE_ARN));
        assertThat(RoleSessionPolicy.isExactly(account.roleSnapshot(ROLE).inline().get("EntityLockdownSession-Build-4711"),
                roleId, "build-4711")).isTrue();
    }

    @Test
    void dryRun_changesNothing_andSaysWhatItWouldPut() {
        IamSnapshot before = account.roleSnapshot(ROLE);
        ContainmentReport report;
        try (LockdownEngine engine = TestEngine.on(estate)) {
            report = engine.contain(SESSION, OPTIONS.withDryRun(true));
        }
        assertThat(report.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(entitySteps(report)).singleElement().satisfies(s -> {
            assertThat(s.status()).isEqualTo(StepStatus.SKIPPED);
            assertThat(s.detail()).contains("dry run: would put " + POLICY + " on role " + ROLE, roleId + ":build-4711");
        });
        assertThat(account.roleSnapshot(ROLE)).isEqualTo(before);
    }

    @Test
    void sessionOfAnInstanceProfileRole_saysTheseAreThatInstancesCredentials() {
        String session = "arn:aws:sts::" + ACCOUNT + ":assumed-role/" + ROLE + "/i-0f1e2d3c4b5a69788";
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport report = engine.contain(session, OPTIONS);

            assertThat(report.outcome()).as(report.summary() + report.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains(
                    "instance-profile credentials of instance i-0f1e2d3c4b5a69788", "network are not touched",
                    "lockdown contain arn:aws:ec2:REGION:" + ACCOUNT + ":instance/i-0f1e2d3c4b5a69788"));
        }
        assertThat(SessionDeny.denies(account.roleSnapshot(ROLE).inline().get("EntityLockdownSession-i-0f1e2d3c4b5a69788"),
                Map.of("aws:userid", roleId + ":i-0f1e2d3c4b5a69788"))).isTrue();
    }

    @Test
    void aSessionOfAProtectedRole_isRefusedOnTheRolesRealArn_andNothingChanges() {
        IamSnapshot before = account.roleSnapshot(ROLE);
        // the pattern names the role's path, which the session ARN does not carry: only GetRole tells
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/ci/*"), List.of(), List.of(),
                MotoEstate.MEMBER_ROLE);
        ContainmentReport report;
        try (LockdownEngine engine = TestEngine.builder(estate).guardrails(guardrails).build()) {
            report = engine.contain(SESSION, OPTIONS);
        }

        assertThat(report.outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(report.steps()).filteredOn(s -> s.status() == StepStatus.REFUSED).singleElement()
                .satisfies(s -> assertThat(s.detail()).contains("session of role " + ROLE_ARN, "is protected",
                        "Nothing was changed"));
        assertThat(account.roleSnapshot(ROLE)).isEqualTo(before);
    }

    @Test
    void aSessionOfTheMemberRole_isRefusedBeforeAnyRequest() {
        CallRecorder calls = new CallRecorder();
        ContainmentReport report;
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(calls).build()) {
            report = engine.contain("arn:aws:sts::" + ACCOUNT + ":assumed-role/" + MotoEstate.MEMBER_ROLE
                    + "/lockdown-user-mallory", OPTIONS);
        }

        assertThat(report.outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(report.steps()).singleElement().satisfies(s -> assertThat(s.detail())
                .contains("session of role EntityLockdownMemberRole", "disable the lockdown itself"));
        assertThat(calls.actions()).isEmpty();
    }

    @Test
    void whenTheRolesInlineQuotaIsFull_theStepFails_andSaysToContainTheWholeRole() {
        // the role's own policies already take almost all of the 10,240 characters
        String resource = "arn:aws:s3:::" + "b".repeat(10_000);
        iam.putRolePolicy(b -> b.roleName(ROLE).policyName("big").policyDocument("{\"Version\":\"2012-10-17\","
                + "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"" + resource + "\"}]}"));
        IamSnapshot before = account.roleSnapshot(ROLE);
        ContainmentReport report;
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(new InlinePolicyQuota(iam, 2_048, 10_240)).build()) {
            report = engine.contain(SESSION, OPTIONS);
        }

        assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(entitySteps(report)).singleElement().satisfies(s -> {
            assertThat(s.status()).isEqualTo(StepStatus.FAILED);
            assertThat(s.detail()).contains("inline policy quota of role " + ROLE + " is full", "LimitExceeded",
                    "Contain the whole role instead: lockdown contain " + ROLE_ARN);
        });
        assertThat(report.verification()).isEmpty();
        assertThat(account.roleSnapshot(ROLE)).isEqualTo(before);
    }

    @Test
    void aSessionOfARoleThatDoesNotExist_fails_andChangesNothing() {
        ContainmentReport report;
        try (LockdownEngine engine = TestEngine.on(estate)) {
            report = engine.contain("arn:aws:sts::" + ACCOUNT + ":assumed-role/gone/build-1", OPTIONS);
        }
        assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(entitySteps(report)).singleElement().satisfies(s -> {
            assertThat(s.step()).isEqualTo("find-role");
            assertThat(s.detail()).contains("The IAM role gone does not exist in account " + ACCOUNT);
        });
        assertThat(report.releaseCommand()).isNull();
    }

    /** The steps on the entity, without the engine's own (assuming the member role). */
    static List<StepResult> entitySteps(ContainmentReport report) {
        return report.steps().stream().filter(s -> !s.step().equals("assume-member-role")).toList();
    }
}
