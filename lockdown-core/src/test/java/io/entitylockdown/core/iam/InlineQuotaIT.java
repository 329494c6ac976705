package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.TestRecords;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.IamSnapshot;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import org.junit.jupiter.api.BeforeEach;
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
    private static final ContainmentOptions OPTIONS = ContainmentOptions.defaults();
    private MotoEstate estate;
    private EstateAccount account;
    private IamClient iam;

    @BeforeEach
    void setUp(MotoEstate estate) {
        this.estate = estate;
        this.account = estate.account();
        this.iam = account.iam();
    }

    /** A user whose own inline policy takes most of the 2,048 characters. */
    private String crowdedUser(String name, int fill) {
        String resource = "arn:aws:s3:::" + "b".repeat(fill);
        return account.user(name).inlinePolicy("big-own-policy", "{\"Version\":\"2012-10-17\",\"Statement\":[{"
                + "\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"" + resource + "\"}]}")
                .activeKey().create().arn();
    }

    /** An engine that meets IAM's inline quota (2,048 characters per user, 10,240 per role). */
    private LockdownEngine engine() {
        return TestEngine.builder(estate).interceptor(new InlinePolicyQuota(iam, 2_048, 10_240)).build();
    }

    @Test
    void contain_whenTheInlineQuotaIsFull_attachesAWSDenyAll_andPutsTheRevocationWhenItFits() {
        // room for the revocation alone (about 270 characters) but not for the whole policy (about 420)
        String arn = crowdedUser("crowded", 1_650);

        try (LockdownEngine engine = engine()) {
            ContainmentReport contained = engine.contain(arn, OPTIONS);

            assertThat(contained.outcome()).as(contained.summary() + contained.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(contained.verified()).isTrue();
            assertThat(contained.steps()).filteredOn(s -> s.step().equals("deny-all")).singleElement()
                    .satisfies(s -> assertThat(s.detail()).contains("LimitExceeded").contains("AWSDenyAll"));
        }
        IamSnapshot during = account.userSnapshot("crowded");
        assertThat(during.attached()).contains(DENY_ALL);
        assertThat(IamUserLockdownIT.form(during, arn).denyAll()).isFalse();
        assertThat(TestRecords.verified(during.tags(), arn, UserState.class).state().attachedDenyAll()).isTrue();
    }

    @Test
    void release_afterAWSDenyAllWasAttachedForTheQuota_detachesIt_andRestoresThePriorState() {
        String arn = crowdedUser("crowded", 1_650);
        IamSnapshot before = account.userSnapshot("crowded");
        try (LockdownEngine engine = engine()) {
            engine.contain(arn, OPTIONS);

            ContainmentReport released = engine.release(arn, OPTIONS);

            assertThat(released.outcome()).as(released.summary() + released.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(released.steps()).filteredOn(s -> s.step().equals("detach-deny-all")).singleElement()
                    .extracting(StepResult::status).isEqualTo(StepStatus.DONE);
        }
        IamSnapshot after = account.userSnapshot("crowded");
        assertThat(after.attached()).isEqualTo(before.attached());
        assertThat(after.withoutInline(ContainmentPolicy.NAME).inline()).isEqualTo(before.inline());
        assertThat(after.tags()).isEqualTo(before.tags());
    }

    @Test
    void contain_whenNotEvenTheRevocationFits_deniesWithAWSDenyAll_andSaysSessionsAreOnlyDeniedWhileAttached() {
        String arn = crowdedUser("full", 1_950);
        try (LockdownEngine engine = engine()) {
            ContainmentReport contained = engine.contain(arn, OPTIONS);
            assertThat(contained.outcome()).isEqualTo(Outcome.PARTIAL);
            assertThat(contained.steps()).filteredOn(s -> s.step().equals("revoke-older-sessions")).singleElement()
                    .extracting(StepResult::status).isEqualTo(StepStatus.FAILED);
            assertThat(contained.notes()).anySatisfy(n -> assertThat(n).contains("only while AWSDenyAll is attached"));
        }
        assertThat(account.userSnapshot("full").attached()).contains(DENY_ALL);
    }

    /** A function whose role's own inline policies take almost all of the role's 10,240 characters. */
    private String busyFunction() {
        String role = account.role("busy-role").typical()
                .inlinePolicy("big-own-policy", io.entitylockdown.core.ec2.Ec2Policies.big(10_100)).create();
        return account.function("busy").role(role).create();
    }

    @Test
    void containFunction_whenItsRolesInlineQuotaIsFull_deniesTheRoleWithAWSDenyAll() {
        String function = busyFunction();

        try (LockdownEngine engine = engine()) {
            ContainmentReport contained = engine.contain(function, OPTIONS);

            assertThat(contained.outcome()).as(contained.summary() + contained.steps()).isEqualTo(Outcome.PARTIAL);
            assertThat(contained.step("role-deny-all").orElseThrow().detail()).contains("AWSDenyAll");
            assertThat(contained.step("role-revoke-older-sessions").orElseThrow().status())
                    .as("not even the revocation fits").isEqualTo(StepStatus.FAILED);
        }
        assertThat(account.roleSnapshot("busy-role").attached()).contains(DENY_ALL);
    }

    @Test
    void releaseFunction_afterItsRoleWasDeniedWithAWSDenyAll_detachesIt() {
        String function = busyFunction();
        IamSnapshot before = account.roleSnapshot("busy-role");
        try (LockdownEngine engine = engine()) {
            engine.contain(function, OPTIONS);
            assertThat(account.roleSnapshot("busy-role").attached()).as("contained with the fallback").contains(DENY_ALL);

            ContainmentReport released = engine.release(function, OPTIONS);

            assertThat(released.outcome()).as(released.summary() + released.steps()).isEqualTo(Outcome.SUCCEEDED);
        }
        IamSnapshot after = account.roleSnapshot("busy-role");
        assertThat(after.attached()).isEqualTo(before.attached());
        assertThat(after.tags()).isEqualTo(before.tags());
    }
}
