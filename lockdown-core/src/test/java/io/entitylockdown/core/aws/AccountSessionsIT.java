package io.entitylockdown.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(MotoExtension.class)
class AccountSessionsIT {

    @Test
    void memberRole_reachesTheEntitysAccount_andRecordsCalls(MotoServer moto) {
        CallRecorder recorder = new CallRecorder();
        AwsSettings settings = TestAws.setupSettings(moto).withInterceptors(List.of(recorder));
        try (AccountSessions sessions = new AccountSessions(settings, Access.memberRole("EntityLockdownMemberRole", "ext-id-1"))) {
            EntityArn user = EntityArn.parse("arn:aws:iam::111111111111:user/alice");
            AccountSession session = sessions.forEntity(user);
            session.resolveCredentials();
            session.iam().createUser(b -> b.userName("alice"));

            assertThat(session.iam().getUser(b -> b.userName("alice")).user().arn())
                    .isEqualTo("arn:aws:iam::111111111111:user/alice");
            assertThat(sessions.forEntity(user)).isSameAs(session);
            assertThat(recorder.actions()).contains("sts:AssumeRole", "iam:CreateUser", "iam:GetUser");
        }
    }

    @Test
    void sessionName_followsStsRules() {
        String name = AccountSessions.sessionName(EntityArn.parse("arn:aws:iam::111111111111:user/a.b@c+d=e,f_" + "x".repeat(50)));
        assertThat(name).matches("[\\w+=,.@-]{2,64}").startsWith("lockdown-user-a.b@c+d=e,f_");
    }
}
