package io.entitylockdown.core.iam;

import static io.entitylockdown.core.iam.IamFixtures.ACCOUNT;
import static io.entitylockdown.core.iam.IamFixtures.OTHER_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.UnknownEntityException;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/** An access key id or a bare user name, turned into the user's ARN with its path, through the member role. */
@ExtendWith(MotoExtension.class)
class AccessKeyResolutionIT {
    private AccountSessions setup;
    private IamClient iam;
    private String key;

    @BeforeEach
    void setUp(MotoServer moto) {
        setup = IamFixtures.setupSessions(moto);
        iam = IamFixtures.iam(setup, ACCOUNT);
        iam.createUser(b -> b.path("/eng/payments/").userName("alice"));
        key = iam.createAccessKey(b -> b.userName("alice")).accessKey().accessKeyId();
    }

    @AfterEach
    void tearDown() {
        setup.close();
    }

    @Test
    void accessKeyOfAUserWithAPath_resolvesToTheUsersArnWithThePath(MotoServer moto) {
        CallRecorder calls = new CallRecorder();
        try (LockdownEngine engine = IamFixtures.engineWith(moto, calls)) {
            EntityArn user = engine.resolveAccessKey(key, ACCOUNT);

            assertThat(user).isEqualTo(EntityArn.parse("arn:aws:iam::" + ACCOUNT + ":user/eng/payments/alice"));
        }
        assertThat(calls.actions()).contains("iam:GetAccessKeyLastUsed", "iam:GetUser", "iam:ListAccessKeys")
                .doesNotContain("sts:GetAccessKeyInfo").allSatisfy(a -> assertThat(a).matches("(iam:(Get|List).*)|sts:AssumeRole"));
    }

    /**
     * Only the CLI asks STS (the function's findings name the account): this engine's calls are kept out of
     * the observed actions that the least-privilege test holds against the function's roles.
     */
    @Test
    void withoutAnAccount_stsSaysWhoseKeyItIs(MotoServer moto) {
        CallRecorder calls = new CallRecorder();
        try (LockdownEngine engine = LockdownEngine.builder()
                .sessions(new AccountSessions(TestAws.setupSettings(moto).withInterceptors(List.of(calls)),
                        Access.memberRole(TestAws.MEMBER_ROLE, TestAws.EXTERNAL_ID)))
                .guardrails(Guardrails.minimal(TestAws.MEMBER_ROLE)).build()) {
            assertThat(engine.accessKeyAccount(key)).isEqualTo(ACCOUNT);
            assertThat(engine.resolveAccessKey(key, null).arn())
                    .isEqualTo("arn:aws:iam::" + ACCOUNT + ":user/eng/payments/alice");
        }
        assertThat(calls.actions()).contains("sts:GetAccessKeyInfo");
    }

    @Test
    void anUnknownKey_isUnknownInTheAccount(MotoServer moto) {
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            UnknownEntityException error = catchThrowableOfType(UnknownEntityException.class,
                    () -> engine.resolveAccessKey("AKIAIOSFODNN7EXAMPLE", ACCOUNT));

            assertThat(error).isNotNull();
            assertThat(error.getMessage()).contains("AKIAIOSFODNN7EXAMPLE is not a key of account " + ACCOUNT, "--account");
        }
    }

    @Test
    void aKeyOfAUserOfTheSameNameInAnotherAccount_isNotTakenForThisAccountsUser(MotoServer moto) {
        IamClient other = IamFixtures.iam(setup, OTHER_ACCOUNT);
        other.createUser(b -> b.userName("alice"));
        String otherKey = other.createAccessKey(b -> b.userName("alice")).accessKey().accessKeyId();
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            UnknownEntityException error = catchThrowableOfType(UnknownEntityException.class,
                    () -> engine.resolveAccessKey(otherKey, ACCOUNT));

            assertThat(error).isNotNull();
            assertThat(error.getMessage()).contains(otherKey + " is not one of the keys of an IAM user alice in account "
                    + ACCOUNT);
            assertThat(engine.resolveAccessKey(otherKey, OTHER_ACCOUNT).arn())
                    .isEqualTo("arn:aws:iam::" + OTHER_ACCOUNT + ":user/alice");
        }
    }

    @Test
    void aTemporaryKey_isRefusedWithWhereToFindItsSession_withoutAnyRequest(MotoServer moto) {
        CallRecorder calls = new CallRecorder();
        try (LockdownEngine engine = IamFixtures.engineWith(moto, calls)) {
            UnknownEntityException withAccount = catchThrowableOfType(UnknownEntityException.class,
                    () -> engine.resolveAccessKey("ASIAEXAMPLECIDEPLOY1", ACCOUNT));
            UnknownEntityException withoutAccount = catchThrowableOfType(UnknownEntityException.class,
                    () -> engine.resolveAccessKey("ASIAEXAMPLECIDEPLOY1", null));

            assertThat(withAccount.getMessage()).contains("temporary access key", "CloudTrail", "AssumeRole",
                    "responseElements.credentials.accessKeyId is ASIAEXAMPLECIDEPLOY1",
                    "lockdown contain arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION");
            assertThat(withoutAccount.getMessage()).isEqualTo(withAccount.getMessage());
        }
        assertThat(calls.actions()).isEmpty();
    }

    @Test
    void aUserKnownOnlyByName_resolvesToItsArnWithThePath_andAnUnknownNameIsUnknown(MotoServer moto) {
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            assertThat(engine.resolveUser(ACCOUNT, "alice").arn())
                    .isEqualTo("arn:aws:iam::" + ACCOUNT + ":user/eng/payments/alice");

            UnknownEntityException error = catchThrowableOfType(UnknownEntityException.class,
                    () -> engine.resolveUser(ACCOUNT, "nobody"));
            assertThat(error.getMessage()).isEqualTo("There is no IAM user named nobody in account " + ACCOUNT);
        }
    }
}
