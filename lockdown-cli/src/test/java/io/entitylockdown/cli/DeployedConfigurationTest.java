package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeployedConfigurationTest {
    private static final DeployedConfiguration DEPLOYED = new DeployedConfiguration("entity-lockdown",
            List.of("arn:aws:iam::*:role/BreakGlass"), List.of("111111111111", "222222222222"), "LockdownMember",
            "arn:aws:iam::999999999999:role/EntityLockdownExecutionRole",
            "arn:aws:lambda:us-east-1:999999999999:function:entity-lockdown-function",
            "arn:aws:secretsmanager:us-east-1:999999999999:secret:x-AbCdEf");

    @Test
    void merge_isTheStricterOfTheDeploymentAndTheShell() {
        Map<String, String> merged = DEPLOYED.mergedInto(Map.of(
                "LOCKDOWN_PROTECTED_PRINCIPALS", "arn:aws:iam::*:user/ops-*",
                "LOCKDOWN_ALLOWED_ACCOUNTS", "222222222222,333333333333",
                "LOCKDOWN_MEMBER_ROLE", "SomethingElse",
                "AWS_REGION", "eu-west-1"));

        assertThat(merged).containsEntry("LOCKDOWN_PROTECTED_PRINCIPALS", "arn:aws:iam::*:role/BreakGlass,arn:aws:iam::*:user/ops-*")
                .containsEntry("LOCKDOWN_ALLOWED_ACCOUNTS", "222222222222")
                .containsEntry("LOCKDOWN_MEMBER_ROLE", "LockdownMember")
                .containsEntry("LOCKDOWN_EXECUTION_ROLE_ARN", "arn:aws:iam::999999999999:role/EntityLockdownExecutionRole")
                .containsEntry("LOCKDOWN_FUNCTION_ARN", "arn:aws:lambda:us-east-1:999999999999:function:entity-lockdown-function")
                .containsEntry("AWS_REGION", "eu-west-1");
    }

    @Test
    void merge_withoutShellSettings_takesTheDeployments() {
        Map<String, String> merged = DEPLOYED.mergedInto(Map.of());

        assertThat(merged).containsEntry("LOCKDOWN_PROTECTED_PRINCIPALS", "arn:aws:iam::*:role/BreakGlass")
                .containsEntry("LOCKDOWN_ALLOWED_ACCOUNTS", "111111111111,222222222222");
    }

    @Test
    void merge_whenTheAllowlistsShareNoAccount_refusesInsteadOfAllowingEverything() {
        assertThatThrownBy(() -> DEPLOYED.mergedInto(Map.of("LOCKDOWN_ALLOWED_ACCOUNTS", "333333333333")))
                .isInstanceOf(CliException.class).hasMessageContaining("no account in common");
    }

    @Test
    void regionOf_aStackArn_isItsRegion_andABareNameHasNone() {
        assertThat(DeployedConfiguration.regionOf(
                "arn:aws:cloudformation:eu-west-1:999999999999:stack/entity-lockdown/1a2b3c4d-5e6f")).contains("eu-west-1");
        assertThat(DeployedConfiguration.regionOf("entity-lockdown")).isEmpty();
    }
}
