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
        return new StackParameters.Lockdown(publishers, secret, email, email, window, true, List.of(), List.of(),
                "EntityLockdownMemberRole", "EntityLockdownExecutionRole");
    }

    private static StackParameters.Lockdown valid() {
        return settings(SECRET, List.of("arn:aws:iam::999999999999:role/soar"), "secops@example.com", 60);
    }

    @Test
    void lockdown_givesEveryTemplateParameter() {
        Map<String, String> parameters = StackParameters.lockdown(valid(), "bucket", "k.jar", JAR);

        assertThat(parameters).containsOnlyKeys("PublisherPrincipals", "ExternalId", "AuditEmail", "FailureEmail",
                "ArtifactBucket", "ArtifactKey", "WindowSeconds", "Snapshot", "ProtectedPrincipals", "AllowedAccounts",
                "MemberRoleName", "ExecutionRoleName", "Revision");
        assertThat(parameters.get("Revision")).matches("[0-9a-f]{16}").doesNotContain(SECRET);
    }

    @Test
    void revision_isStable_andChangesWithTheJarOrAnyParameter() {
        String revision = StackParameters.lockdown(valid(), "bucket", "k.jar", JAR).get("Revision");

        assertThat(StackParameters.lockdown(valid(), "bucket", "k.jar", JAR).get("Revision")).isEqualTo(revision);
        assertThat(StackParameters.lockdown(valid(), "bucket", "k.jar", "b".repeat(64)).get("Revision")).isNotEqualTo(revision);
        assertThat(StackParameters.lockdown(settings(SECRET, List.of("arn:aws:iam::999999999999:role/soar"),
                "secops@example.com", 30), "bucket", "k.jar", JAR).get("Revision")).isNotEqualTo(revision);
        assertThat(StackParameters.lockdown(settings(SECRET + "x", List.of("arn:aws:iam::999999999999:role/soar"),
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
        assertThatThrownBy(() -> StackParameters.memberRole("arn:aws:iam::999999999999:user/x", SECRET, "R"))
                .hasMessageContaining("--execution-role-arn");
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
