package io.entitylockdown.lambda;

import io.entitylockdown.testkit.Templates;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What deploy/lockdown.yaml promises about the deployment's secret and who may reach it. The templates are
 * read with their short-form intrinsics as plain values: {@code !Ref X} is "X", {@code !If [c, a, b]} the
 * list [c, a, b].
 */
class SecurityTemplateTest {
    private final JsonNode template = Templates.read(Templates.SECURITY_ACCOUNT);

    @Test
    void function_getsTheSecretsArn_neverTheExternalIdItself() {
        JsonNode variables = template.at("/Resources/Function/Properties/Environment/Variables");

        assertThat(variables.has("LOCKDOWN_EXTERNAL_ID")).isFalse();
        assertThat(variables.path("LOCKDOWN_EXTERNAL_ID_SECRET_ARN").toString())
                .isEqualTo("[\"CreateExternalIdSecret\",\"ExternalIdSecret\",\"ExternalIdSecretArn\"]");
        assertThat(variables.toString()).doesNotContain("\"ExternalId\"");
        assertThat(template.at("/Resources/ExternalIdSecret/Properties/SecretString").asText()).isEqualTo("ExternalId");
        assertThat(template.at("/Parameters/ExternalId/NoEcho").asBoolean()).isTrue();
    }

    @Test
    void function_knowsItsOwnArnAndRole_soItNeverContainsItself() {
        JsonNode properties = template.at("/Resources/Function/Properties");
        String ownArn = properties.at("/Environment/Variables/LOCKDOWN_FUNCTION_ARN").asText();

        assertThat(ownArn).isEqualTo("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
                + properties.path("FunctionName").asText());
        assertThat(properties.path("FunctionName").asText()).isEqualTo("${AWS::StackName}-function");
        assertThat(properties.at("/Environment/Variables/LOCKDOWN_EXECUTION_ROLE_ARN").asText()).isEqualTo("ExecutionRole.Arn");
    }

    @Test
    void executionRole_mayReadOnlyThatOneSecret() {
        List<JsonNode> statements = Templates.statements(template, "ExecutionRole", "EntityLockdownFunction");
        List<JsonNode> reading = statements.stream()
                .filter(s -> Templates.actions(s).stream().anyMatch(a -> a.startsWith("secretsmanager:"))).toList();

        assertThat(reading).singleElement().satisfies(statement -> {
            assertThat(Templates.actions(statement)).containsExactly("secretsmanager:GetSecretValue");
            assertThat(statement.path("Resource").toString())
                    .isEqualTo("[\"CreateExternalIdSecret\",\"ExternalIdSecret\",\"ExternalIdSecretArn\"]");
        });
    }

    @Test
    void assumingMemberRoles_isLimitedToTheOrganization_whenOneIsGiven() {
        JsonNode assume = Templates.statements(template, "ExecutionRole", "EntityLockdownFunction").stream()
                .filter(s -> s.path("Sid").asText().equals("AssumeMemberRoles")).findFirst().orElseThrow();

        JsonNode condition = assume.path("Condition");
        assertThat(condition.get(0).asText()).isEqualTo("RestrictToOrganization");
        assertThat(condition.get(1).at("/StringEquals/aws:ResourceOrgID").asText()).isEqualTo("OrganizationId");
        assertThat(condition.get(2).asText()).isEqualTo("AWS::NoValue");
        assertThat(template.at("/Conditions/RestrictToOrganization").toString()).contains("OrganizationId");
    }

    @Test
    void onlyTheStacksAccount_maySubscribeToTheLockdownTopic() {
        JsonNode statements = template.at("/Resources/LockdownTopicPolicy/Properties/PolicyDocument/Statement");
        JsonNode subscribe = null;
        for (JsonNode statement : statements) {
            if (Templates.actions(statement).contains("sns:Subscribe")) {
                subscribe = statement;
            }
        }

        assertThat(subscribe).isNotNull();
        assertThat(subscribe.path("Effect").asText()).isEqualTo("Deny");
        assertThat(subscribe.path("Principal").asText()).isEqualTo("*");
        assertThat(subscribe.at("/Condition/StringNotEquals/aws:PrincipalAccount").asText()).isEqualTo("AWS::AccountId");
        for (JsonNode statement : statements) {
            if ("Allow".equals(statement.path("Effect").asText())) {
                assertThat(Templates.actions(statement)).as("no Allow reaches beyond publishing").containsExactly("sns:Publish");
            }
        }
    }
}
