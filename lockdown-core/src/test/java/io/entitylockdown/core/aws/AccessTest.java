package io.entitylockdown.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccessTest {
    private static final String EXTERNAL_ID = "s3cr3t-External-Id:2026/11=+,.@";

    @Test
    void memberRole_toStringNeverShowsTheExternalId() {
        Access access = Access.memberRole("EntityLockdownMemberRole", EXTERNAL_ID);

        assertThat(access.toString())
                .isEqualTo("member role EntityLockdownMemberRole (with ExternalId)")
                .doesNotContain(EXTERNAL_ID)
                .doesNotContain("s3cr3t");
        assertThat(String.valueOf(java.util.List.of(access))).doesNotContain("s3cr3t");
        assertThat(Access.memberRole("EntityLockdownMemberRole", null).toString()).contains("no ExternalId");
    }

    @Test
    void memberRole_roleArnIsInTheEntitysPartitionAndAccount() {
        Access.MemberRole access = (Access.MemberRole) Access.memberRole("EntityLockdownMemberRole", EXTERNAL_ID);

        assertThat(access.roleArn("aws-cn", "111111111111"))
                .isEqualTo("arn:aws-cn:iam::111111111111:role/EntityLockdownMemberRole");
        assertThat(access.externalId()).isEqualTo(EXTERNAL_ID);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "role name", "role/path", "röle", "a:b", "x!"})
    void memberRole_invalidNamesAreRejected(String name) {
        assertThatThrownBy(() -> Access.memberRole(name, EXTERNAL_ID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a valid IAM role name");
    }

    @Test
    void memberRole_nameLongerThan64IsRejected_andNullIsNamed() {
        assertThatThrownBy(() -> Access.memberRole("r".repeat(65), EXTERNAL_ID))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Access.memberRole(null, EXTERNAL_ID)).hasMessageContaining("roleName");
        assertThat(Access.memberRole("r".repeat(64), EXTERNAL_ID)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q", "has space secret", "semi;colon-secret"})
    void memberRole_invalidExternalIdIsRejected_withoutEchoingIt(String externalId) {
        assertThatThrownBy(() -> Access.memberRole("EntityLockdownMemberRole", externalId))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ExternalId is not valid")
                .hasMessageNotContaining(externalId);
    }

    @Test
    void callerCredentials_isOneSharedMode() {
        assertThat(Access.callerCredentials()).isSameAs(Access.callerCredentials());
        assertThat(Access.callerCredentials().toString()).isEqualTo("caller credentials");
    }
}
