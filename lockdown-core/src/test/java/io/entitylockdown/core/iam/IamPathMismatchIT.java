package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * IAM finds users and roles by name, whatever path the ARN carries. A protected pattern on a path
 * must not be bypassed by naming the entity under another path.
 */
@ExtendWith(MotoExtension.class)
class IamPathMismatchIT {

    @Test
    void contain_roleNamedUnderAnotherPath_changesNothing_evenPastAProtectedPathPattern(MotoServer moto) {
        try (AccountSessions setup = TestAws.setupSessions(moto);
                LockdownEngine engine = TestAws.memberRoleEngine(moto, Guardrails.of(
                        List.of("arn:aws:iam::*:role/admin/*"), List.of(), List.of(), TestAws.MEMBER_ROLE))) {
            IamClient iam = IamFixtures.iam(setup, IamFixtures.ACCOUNT);
            String real = IamFixtures.createRole(iam, "/admin/", "BreakGlass");
            IamFixtures.Snapshot before = IamFixtures.role(iam, "BreakGlass");

            ContainmentReport report = engine.contain("arn:aws:iam::" + IamFixtures.ACCOUNT + ":role/wrong/BreakGlass",
                    ContainmentOptions.defaults());

            assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(report.steps()).filteredOn(s -> s.status() == StepStatus.FAILED).singleElement()
                    .satisfies(s -> assertThat(s.detail()).contains(real).contains("Nothing was changed"));
            assertThat(report.steps()).noneMatch(s -> s.status() == StepStatus.DONE && !s.step().equals("assume-member-role"));
            assertThat(IamFixtures.role(iam, "BreakGlass")).isEqualTo(before);

            assertThat(engine.contain(real, ContainmentOptions.defaults()).outcome()).isEqualTo(Outcome.REFUSED);
            assertThat(IamFixtures.role(iam, "BreakGlass")).isEqualTo(before);
        }
    }

    @Test
    void contain_userNamedUnderAnotherPath_changesNothing(MotoServer moto) {
        try (AccountSessions setup = TestAws.setupSessions(moto); LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            IamClient iam = IamFixtures.iam(setup, IamFixtures.ACCOUNT);
            IamFixtures.createUser(iam, "/ops/", "carol");
            IamFixtures.Snapshot before = IamFixtures.user(iam, "carol");

            ContainmentReport report = engine.contain("arn:aws:iam::" + IamFixtures.ACCOUNT + ":user/carol",
                    ContainmentOptions.defaults());

            assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(report.summary()).contains("FAILED");
            assertThat(IamFixtures.user(iam, "carol")).isEqualTo(before);
        }
    }
}
