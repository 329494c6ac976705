package io.entitylockdown.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;

class StackParametersTest {
    private static final String SECRET = "0123456789abcdef0123";
    private static final String JAR = "a".repeat(64);

    private static StackParameters.Lockdown settings(String secret, List<String> publishers, String email, int window) {
        return new StackParameters.Lockdown(publishers, secret, null, email, email, window, true, List.of(), List.of(),
                "EntityLockdownMemberRole", "EntityLockdownExecutionRole", null, List.of(), false);
    }

    private static StackParameters.Lockdown valid() {
        return settings(SECRET, List.of("arn:aws:iam::999999999999:role/soar"), "secops@example.com", 60);
    }

    @Test
    void lockdown_givesEveryTemplateParameter() {
        Map<String, String> parameters = StackParameters.lockdown(valid(), "bucket", "k.jar", JAR);

        assertThat(parameters).containsOnlyKeys("PublisherPrincipals", "ExternalId", "ExternalIdSecretArn",
                "OrganizationId", "AuditEmail", "FailureEmail", "ArtifactBucket", "ArtifactKey", "WindowSeconds", "Snapshot",
                "ProtectedPrincipals", "AllowedAccounts", "MemberRoleName", "ExecutionRoleName", "ResponderPrincipals",
                "RequireResponderMfa", "Revision");
        assertThat(parameters.get("Revision")).matches("[0-9a-f]{16}").doesNotContain(SECRET);
    }

    @Test
    void lockdown_withASecretArn_passesNoExternalId_andChecksTheArn() {
        String secretArn = "arn:aws:secretsmanager:us-east-1:999999999999:secret:entity-lockdown-AbCdEf";
        StackParameters.Lockdown withSecret = new StackParameters.Lockdown(List.of("arn:aws:iam::999999999999:role/soar"),
                null, secretArn, "secops@example.com", "secops@example.com", 60, true, List.of(), List.of(),
                "EntityLockdownMemberRole", "EntityLockdownExecutionRole", "o-a1b2c3d4e5", List.of(), false);

        Map<String, String> parameters = StackParameters.lockdown(withSecret, "bucket", "k.jar", JAR);

        assertThat(parameters).containsEntry("ExternalId", "").containsEntry("ExternalIdSecretArn", secretArn)
                .containsEntry("OrganizationId", "o-a1b2c3d4e5");
        assertThatThrownBy(() -> StackParameters.lockdown(new StackParameters.Lockdown(withSecret.publishers(), SECRET,
                secretArn, "secops@example.com", "secops@example.com", 60, true, List.of(), List.of(), "R", "E", null, List.of(), false),
                "bucket", "k", JAR)).hasMessageContaining("not both").hasMessageNotContaining(SECRET);
        assertThatThrownBy(() -> StackParameters.lockdown(new StackParameters.Lockdown(withSecret.publishers(), null,
                "entity-lockdown", "secops@example.com", "secops@example.com", 60, true, List.of(), List.of(), "R", "E",
                null, List.of(), false), "bucket", "k", JAR)).hasMessageContaining("--external-id-secret-arn");
        assertThatThrownBy(() -> StackParameters.lockdown(new StackParameters.Lockdown(withSecret.publishers(), SECRET,
                null, "secops@example.com", "secops@example.com", 60, true, List.of(), List.of(), "R", "E", "org-1", List.of(), false),
                "bucket", "k", JAR)).hasMessageContaining("--organization-id");
    }

    @Test
    void revision_leavesTheExternalIdOut_soItCannotBeUsedToTestGuesses() {
        String revision = StackParameters.lockdown(valid(), "bucket", "k.jar", JAR).get("Revision");
        Map<String, String> withoutSecret = new java.util.HashMap<>(StackParameters.lockdown(valid(), "bucket", "k.jar", JAR));
        withoutSecret.remove("Revision");
        withoutSecret.remove("ExternalId");

        assertThat(StackParameters.lockdown(settings(SECRET + "x", List.of("arn:aws:iam::999999999999:role/soar"),
                "secops@example.com", 60), "bucket", "k.jar", JAR).get("Revision")).isEqualTo(revision);
        assertThat(StackParameters.revision(JAR, withoutSecret)).as("computable without the secret").isEqualTo(revision);
    }

    @Test
    void revision_isStable_andChangesWithTheJarOrAnyParameter() {
        String revision = StackParameters.lockdown(valid(), "bucket", "k.jar", JAR).get("Revision");

        assertThat(StackParameters.lockdown(valid(), "bucket", "k.jar", JAR).get("Revision")).isEqualTo(revision);
        assertThat(StackParameters.lockdown(valid(), "bucket", "k.jar", "b".repeat(64)).get("Revision")).isNotEqualTo(revision);
        assertThat(StackParameters.lockdown(settings(SECRET, List.of("arn:aws:iam::999999999999:role/soar"),
                "secops@example.com", 30), "bucket", "k.jar", JAR).get("Revision")).isNotEqualTo(revision);
        assertThat(StackParameters.lockdown(settings(SECRET, List.of("arn:aws:iam::999999999999:role/ir"),
                "secops@example.com", 60), "bucket", "k.jar", JAR).get("Revision")).isNotEqualTo(revision);
    }

    @Test
    void lockdown_rejectsBadInputWithoutEchoingTheSecret() {
        assertThatThrownBy(() -> StackParameters.lockdown(settings("short", List.of("arn:aws:iam::999999999999:role/soar"),
                "secops@example.com", 60), "b", "k", JAR)).hasMessageContaining("16-1224").hasMessageNotContaining("short'");
        assertThatThrownBy(() -> StackParameters.lockdown(settings(SECRET, List.of("soar"), "secops@example.com", 60),
                "b", "k", JAR)).hasMessageContaining("--publisher 'soar'");
        assertThatThrownBy(() -> StackParameters.lockdown(settings(SECRET, List.of("arn:aws:iam::999999999999:role/soar"),
                "secops@example.com", 901), "b", "k", JAR)).hasMessageContaining("0..900");
        assertThatThrownBy(() -> StackParameters.lockdown(valid(), " ", "k", JAR)).hasMessageContaining("--bucket");
        assertThatThrownBy(() -> StackParameters.memberRole(new StackParameters.MemberRole("arn:aws:iam::999999999999:user/x",
                SECRET, "R", List.of(), false, List.of(), null, null))).hasMessageContaining("--execution-role-arn");
        assertThatThrownBy(() -> StackParameters.memberRole(new StackParameters.MemberRole(
                "arn:aws:iam::999999999999:role/EntityLockdownExecutionRole", SECRET, "R",
                List.of("arn:aws:iam::999999999999:root"), false, List.of(), null, null))).hasMessageContaining("--responder").hasMessageContaining("root");
    }

    @Test
    void protectedPatterns_getTheirAnyPathForm_becauseIamMatchesArnsWithTheirPath() {
        assertThat(StackParameters.withAnyPath(List.of("arn:aws:iam::*:role/BreakGlass", "arn:aws:iam::*:role/ops/Admin",
                "arn:aws:iam::111122223333:user/root-*", "arn:aws:lambda:*:111122223333:function:payments",
                "arn:aws:iam::*:role/BreakGlass")))
                .containsExactly("arn:aws:iam::*:role/BreakGlass", "arn:aws:iam::*:role/*/BreakGlass",
                        "arn:aws:iam::*:role/ops/Admin", "arn:aws:iam::111122223333:user/root-*",
                        "arn:aws:iam::111122223333:user/*/root-*", "arn:aws:lambda:*:111122223333:function:payments");
        Map<String, String> member = StackParameters.memberRole(new StackParameters.MemberRole(
                "arn:aws:iam::999999999999:role/EntityLockdownExecutionRole", SECRET, "EntityLockdownMemberRole",
                List.of("arn:aws:iam::999999999999:role/ir"), true, List.of("arn:aws:iam::*:role/BreakGlass"), null,
                "secops@example.com"));
        assertThat(member).containsEntry("ProtectedPrincipals", "arn:aws:iam::*:role/BreakGlass,arn:aws:iam::*:role/*/BreakGlass")
                .containsEntry("ResponderPrincipals", "arn:aws:iam::999999999999:role/ir")
                .containsEntry("RequireResponderMfa", "true").containsEntry("AlertTopicArn", "")
                .containsEntry("AlertEmail", "secops@example.com");
        assertThat(StackParameters.organizationalUnits(List.of("r-ab12", "ou-ab12-cdefgh34"))).hasSize(2);
        assertThatThrownBy(() -> StackParameters.organizationalUnits(List.of())).hasMessageContaining("--organizational-unit");
        assertThatThrownBy(() -> StackParameters.organizationalUnits(List.of("root"))).hasMessageContaining("'root'");
    }

    @Test
    void isNoUpdates_recognisesCloudFormationsAnswer() {
        CloudFormationException noUpdates = (CloudFormationException) CloudFormationException.builder()
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationError")
                        .errorMessage("No updates are to be performed.").build()).build();
        CloudFormationException other = (CloudFormationException) CloudFormationException.builder()
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationError")
                        .errorMessage("Template format error").build()).build();

        assertThat(StackDeployment.isNoUpdates(noUpdates)).isTrue();
        assertThat(StackDeployment.isNoUpdates(other)).isFalse();
    }
}
