package io.entitylockdown.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.strategy.Strategies;
import io.entitylockdown.testkit.Templates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The member role grants exactly what the strategies declare, and exactly what this module's integration
 * tests saw the engine call: a missing permission or an unused one fails the build.
 *
 * <p>Runs in its own failsafe execution after this module's integration tests (post-integration-test, see
 * the pom), which have written {@code target/observed-aws-actions.txt} ({@link TestEngine#OBSERVED}) by then.
 * The execution role's half is {@code ExecutionRoleLeastPrivilegeTest} in lockdown-lambda.
 */
class LeastPrivilegeTest {
    static final Path CORE_OBSERVED = TestEngine.OBSERVED;

    /** Calls the execution role makes itself (never the member role); they must be in the execution role's policy. */
    private static final Set<String> EXECUTION_ROLE_SERVICES = Set.of("sts", "sns", "sqs", "secretsmanager", "securityhub");

    /**
     * Granted but never seen in a test, each with the reason it cannot be observed against moto. Keep it tiny.
     */
    static final Map<String, String> UNOBSERVABLE = Map.of(
            "ec2:DeleteSecurityGroup", "deletes a duplicate containment group only when two containments race to create "
                    + "one; moto's races rarely leave a duplicate, so ContainmentGroupsTest drives it with a stand-in client");

    private final JsonNode memberTemplate = Templates.read(Templates.MEMBER_ROLE);
    private final JsonNode securityTemplate = Templates.read(Templates.SECURITY_ACCOUNT);
    private final List<JsonNode> memberPolicy = Templates.statements(memberTemplate, "MemberRole", "EntityLockdownContainment");

    @Test
    void memberPolicy_isTheSameInBothTemplates() {
        assertThat(Templates.statements(securityTemplate, "MemberRole", "EntityLockdownContainment"))
                .as("the member role in lockdown.yaml and lockdown-member-role.yaml").isEqualTo(memberPolicy);
    }

    @Test
    void memberRole_grantsExactlyWhatTheStrategiesDeclare() {
        Set<String> granted = Templates.allowedActions(memberPolicy);
        Set<String> declared = Strategies.standard().permissions();

        assertThat(difference(declared, granted)).as("declared by a strategy but not granted by the member role").isEmpty();
        assertThat(difference(granted, declared)).as("granted by the member role but declared by no strategy").isEmpty();
    }

    @Test
    void memberRole_hasNoWildcardActions_andAttachesOnlyAwsDenyAll() {
        for (JsonNode statement : memberPolicy) {
            Set<String> actions = Templates.actions(statement);
            assertThat(actions).as("statement %s", statement.path("Sid").asText()).allSatisfy(a ->
                    assertThat(a).doesNotContain("*").matches("[a-z0-9-]+:[A-Za-z0-9]+"));
            boolean attaches = actions.stream().anyMatch(a -> a.matches("iam:(Attach|Detach)(User|Role|Group)Policy"));
            if (attaches && "Allow".equals(statement.path("Effect").asText())) {
                assertThat(statement.at("/Condition/ArnEquals/iam:PolicyARN").asText())
                        .as("statement %s may attach only AWSDenyAll", statement.path("Sid").asText())
                        .endsWith(":iam::aws:policy/AWSDenyAll");
            }
        }
    }

    /**
     * Both templates: the member role trusts the lockdown's execution role and the named responders, nobody
     * else, and every Allow needs the ExternalId; with RequireResponderMfa the responders also need MFA. The
     * trust document is {@code !If [RespondersNeedMfa, withMfa, withoutMfa]}, read as that list.
     */
    @Test
    void memberRole_trustsTheExecutionRoleAndTheNamedRespondersOnly_withTheExternalId() {
        Map<JsonNode, String> executionRole = Map.of(memberTemplate, "LockdownExecutionRoleArn",
                securityTemplate, "ExecutionRole.Arn");
        for (JsonNode template : List.of(memberTemplate, securityTemplate)) {
            String execution = executionRole.get(template);
            JsonNode trust = template.at("/Resources/MemberRole/Properties/AssumeRolePolicyDocument");
            assertThat(trust.get(0).asText()).isEqualTo("RespondersNeedMfa");
            JsonNode withMfa = trust.get(1).path("Statement");
            JsonNode withoutMfa = trust.get(2).path("Statement");

            assertThat(withoutMfa).hasSize(1);
            JsonNode allow = withoutMfa.get(0);
            assertThat(allow.path("Effect").asText()).isEqualTo("Allow");
            assertThat(allow.path("Action").asText()).isEqualTo("sts:AssumeRole");
            assertThat(allow.at("/Principal/AWS").toString()).as("execution role alone, or with the responders")
                    .isEqualTo("[\"HasResponders\",[\",\",\"${" + execution + "},${ResponderPrincipals}\"],\""
                            + execution + "\"]");
            assertThat(allow.at("/Condition/StringEquals/sts:ExternalId").toString()).contains("ExternalId");

            assertThat(withMfa).hasSize(2);
            assertThat(withMfa.get(0).at("/Principal/AWS").toString())
                    .isEqualTo("[\",\",\"${" + execution + "},${ResponderPrincipals}\"]");
            assertThat(withMfa.get(0).path("Condition")).isEqualTo(allow.path("Condition"));
            JsonNode mfa = withMfa.get(1);
            assertThat(mfa.path("Effect").asText()).isEqualTo("Deny");
            assertThat(mfa.at("/Principal/AWS").toString()).isEqualTo("[\",\",\"ResponderPrincipals\"]");
            assertThat(mfa.at("/Condition/BoolIfExists/aws:MultiFactorAuthPresent").asText()).isEqualTo("false");

            assertThat(template.at("/Parameters/ResponderPrincipals/AllowedPattern").asText())
                    .as("responders are IAM roles or users, never an account root or *").contains("(role|user)/")
                    .doesNotContain("root");
        }
        assertThat(memberTemplate.at("/Parameters/ExternalId/NoEcho").asBoolean()).isTrue();
        assertThat(memberTemplate.at("/Parameters/ExternalId/MinLength").asInt()).isGreaterThanOrEqualTo(16);
    }

    @Test
    void everyObservedCall_isGranted_andEveryGrantIsObserved() throws IOException {
        Set<String> observed = new TreeSet<>(read(CORE_OBSERVED));
        Set<String> byMemberRole = observed.stream().filter(a -> !EXECUTION_ROLE_SERVICES.contains(service(a)))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> byExecutionRole = difference(observed, byMemberRole);
        Set<String> memberGrants = Templates.allowedActions(memberPolicy);
        Set<String> executionGrants = Templates.allowedActions(
                Templates.statements(securityTemplate, "ExecutionRole", "EntityLockdownFunction"));

        assertThat(difference(byMemberRole, memberGrants)).as("called by the engine but not granted to the member role")
                .isEmpty();
        assertThat(difference(difference(memberGrants, byMemberRole), UNOBSERVABLE.keySet()))
                .as("granted to the member role but never called in any integration test").isEmpty();
        assertThat(difference(byExecutionRole, executionGrants)).as("called by the function but not granted to its "
                + "execution role").isEmpty();
    }

    private static Set<String> read(Path file) throws IOException {
        assertThat(file).as("%s is written by this module's integration tests (failsafe runs them first; "
                + "-Dlockdown.skipLeastPrivilege=true when running a few by hand)", file).exists();
        return Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String service(String action) {
        return action.substring(0, action.indexOf(':'));
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> result = new TreeSet<>(a);
        result.removeAll(b);
        return result;
    }
}
