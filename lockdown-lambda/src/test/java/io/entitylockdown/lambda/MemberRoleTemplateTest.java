package io.entitylockdown.lambda;

import io.entitylockdown.testkit.Templates;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The member role carries its own guardrails (in both templates): an explicit deny of every write action it
 * is granted, on the lockdown's own principals and on the protected ones, so that no caller of the role can
 * change them, whatever the engine's guardrails say.
 */
class MemberRoleTemplateTest {
    private final JsonNode memberTemplate = Templates.read(Templates.MEMBER_ROLE);
    private final JsonNode securityTemplate = Templates.read(Templates.SECURITY_ACCOUNT);

    @Test
    void guardrailDeny_coversEveryWriteActionTheRoleIsGranted_inBothTemplates() {
        for (JsonNode template : List.of(memberTemplate, securityTemplate)) {
            Set<String> writes = new TreeSet<>();
            for (String action : Templates.allowedActions(
                    Templates.statements(template, "MemberRole", "EntityLockdownContainment"))) {
                String verb = action.substring(action.indexOf(':') + 1);
                if (!verb.startsWith("Get") && !verb.startsWith("List") && !verb.startsWith("Describe")) {
                    writes.add(action);
                }
            }

            JsonNode deny = guardrailDeny(template);

            assertThat(deny.path("Effect").asText()).isEqualTo("Deny");
            assertThat(Templates.actions(deny)).isEqualTo(writes);
        }
    }

    @Test
    void guardrailDeny_namesTheMemberRoleTheExecutionRoleAndTheProtectedPrincipals() {
        assertThat(deniedResources(memberTemplate)).isEqualTo(
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${MemberRoleName},${LockdownExecutionRoleArn}${Protected}");
        assertThat(deniedResources(securityTemplate)).isEqualTo(
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${MemberRoleName},${ExecutionRole.Arn},"
                        + "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-function,"
                        + "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-function:*"
                        + "${Protected}");
        for (JsonNode template : List.of(memberTemplate, securityTemplate)) {
            JsonNode protectedPart = guardrailDeny(template).path("Resource").get(1).get(1).path("Protected");
            assertThat(protectedPart.toString())
                    .isEqualTo("[\"HasProtectedPrincipals\",\",${ProtectedPrincipals}\",\"\"]");
            assertThat(template.at("/Parameters/ProtectedPrincipals/Default").asText()).isEmpty();
        }
    }

    /** The role's function in the security account is the function the stack creates, by the same name. */
    @Test
    void securityAccount_functionInTheDeny_isTheStacksFunction() {
        assertThat(securityTemplate.at("/Resources/Function/Properties/FunctionName").asText())
                .isEqualTo("${AWS::StackName}-function");
    }

    private static JsonNode guardrailDeny(JsonNode template) {
        List<JsonNode> statements = Templates.statements(template, "MemberRole", "EntityLockdownGuardrails");
        assertThat(statements).hasSize(1);
        return statements.get(0);
    }

    /** The !Sub text inside {@code !Split [",", !Sub [text, {Protected: ...}]]}. */
    private static String deniedResources(JsonNode template) {
        JsonNode resource = guardrailDeny(template).path("Resource");
        assertThat(resource.get(0).asText()).isEqualTo(",");
        return resource.get(1).get(0).asText();
    }
}
