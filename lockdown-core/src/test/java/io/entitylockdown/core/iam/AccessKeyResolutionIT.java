package io.entitylockdown.core.iam;

import static io.entitylockdown.testkit.MotoEstate.ACCOUNT;
import static io.entitylockdown.testkit.MotoEstate.OTHER_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.UnknownEntityException;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An access key id or a bare user name, turned into the user's ARN with its path, through the member role. */
@ExtendWith(MotoExtension.class)
class AccessKeyResolutionIT {
    private MotoEstate estate;
    private String key;

    @BeforeEach
    void setUp(MotoEstate estate) {
        this.estate = estate;
        key = estate.account().user("alice").path("/eng/payments/").activeKey().create().activeKey().id();
    }

    @Test
    void accessKeyOfAUserWithAPath_resolvesToTheUsersArnWithThePath() {
        CallRecorder calls = new CallRecorder();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(calls).build()) {
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
    void withoutAnAccount_stsSaysWhoseKeyItIs() {
        CallRecorder calls = new CallRecorder();
        try (LockdownEngine engine = TestEngine.builder(estate).notObserved().interceptor(calls).build()) {
            assertThat(engine.accessKeyAccount(key)).isEqualTo(ACCOUNT);
            assertThat(engine.resolveAccessKey(key, null).arn())
                    .isEqualTo("arn:aws:iam::" + ACCOUNT + ":user/eng/payments/alice");
        }
        assertThat(calls.actions()).contains("sts:GetAccessKeyInfo");
    }

    @Test
    void anUnknownKey_isUnknownInTheAccount() {
        try (LockdownEngine engine = TestEngine.on(estate)) {
            UnknownEntityException error = catchThrowableOfType(UnknownEntityException.class,
                    () -> engine.resolveAccessKey("AKIAIOSFODNN7EXAMPLE", ACCOUNT));

            assertThat(error).isNotNull();
            assertThat(error.getMessage()).contains("AKIAIOSFODNN7EXAMPLE is not a key of account " + ACCOUNT, "--account");
        }
    }

    @Test
    void aKeyOfAUserOfTheSameNameInAnotherAccount_isNotTakenForThisAccountsUser() {
        String otherKey = estate.account(OTHER_ACCOUNT).user("alice").activeKey().create().activeKey().id();
        try (LockdownEngine engine = TestEngine.on(estate)) {
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
    void aTemporaryKey_isRefusedWithWhereToFindItsSession_withoutAnyRequest() {
        CallRecorder calls = new CallRecorder();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(calls).build()) {
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
    void aUserKnownOnlyByName_resolvesToItsArnWithThePath_andAnUnknownNameIsUnknown() {
        try (LockdownEngine engine = TestEngine.on(estate)) {
            assertThat(engine.resolveUser(ACCOUNT, "alice").arn())
                    .isEqualTo("arn:aws:iam::" + ACCOUNT + ":user/eng/payments/alice");

            UnknownEntityException error = catchThrowableOfType(UnknownEntityException.class,
                    () -> engine.resolveUser(ACCOUNT, "nobody"));
            assertThat(error.getMessage()).isEqualTo("There is no IAM user named nobody in account " + ACCOUNT);
        }
    }
}
