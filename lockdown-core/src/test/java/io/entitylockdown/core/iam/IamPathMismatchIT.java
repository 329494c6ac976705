package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.IamSnapshot;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * IAM finds users and roles by name, whatever path the ARN carries. A protected pattern on a path
 * must not be bypassed by naming the entity under another path.
 */
@ExtendWith(MotoExtension.class)
class IamPathMismatchIT {

    @Test
    void contain_roleNamedUnderAnotherPath_changesNothing_evenPastAProtectedPathPattern(MotoEstate estate) {
        EstateAccount account = estate.account();
        try (LockdownEngine engine = TestEngine.builder(estate).guardrails(Guardrails.of(
                List.of("arn:aws:iam::*:role/admin/*"), List.of(), List.of(), MotoEstate.MEMBER_ROLE)).build()) {
            String real = account.role("BreakGlass").path("/admin/").typical().create();
            IamSnapshot before = account.roleSnapshot("BreakGlass");

            ContainmentReport report = engine.contain("arn:aws:iam::" + MotoEstate.ACCOUNT + ":role/wrong/BreakGlass",
                    ContainmentOptions.defaults());

            assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(report.steps()).filteredOn(s -> s.status() == StepStatus.FAILED).singleElement()
                    .satisfies(s -> assertThat(s.detail()).contains(real).contains("Nothing was changed"));
            assertThat(report.steps()).noneMatch(s -> s.status() == StepStatus.DONE && !s.step().equals("assume-member-role"));
            assertThat(account.roleSnapshot("BreakGlass")).isEqualTo(before);

            assertThat(engine.contain(real, ContainmentOptions.defaults()).outcome()).isEqualTo(Outcome.REFUSED);
            assertThat(account.roleSnapshot("BreakGlass")).isEqualTo(before);
        }
    }

    @Test
    void contain_userNamedUnderAnotherPath_changesNothing(MotoEstate estate) {
        EstateAccount account = estate.account();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            account.user("carol").path("/ops/").typical().create();
            IamSnapshot before = account.userSnapshot("carol");

            ContainmentReport report = engine.contain("arn:aws:iam::" + MotoEstate.ACCOUNT + ":user/carol",
                    ContainmentOptions.defaults());

            assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(report.summary()).contains("FAILED");
            assertThat(account.userSnapshot("carol")).isEqualTo(before);
        }
    }
}
