package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.strategy.Strategies;
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
 * The member role grants exactly what the strategies declare, and exactly what the integration tests
 * saw the engine call: a missing permission or an unused one fails the build.
 *
 * <p>Runs in its own surefire execution after every other test of this module (see the pom), so that
 * the handler's integration tests have written {@code target/observed-handler-actions.txt}; core's
 * integration tests wrote {@code ../lockdown-core/target/observed-aws-actions.txt} earlier in the reactor.
 */
class LeastPrivilegeTest {
    static final Path CORE_OBSERVED = Path.of("..", "lockdown-core", "target", "observed-aws-actions.txt");
    static final Path HANDLER_OBSERVED = HandlerFixture.OBSERVED;

    /** Calls the execution role makes itself (never the member role); they must be in the execution role's policy. */
    private static final Set<String> EXECUTION_ROLE_SERVICES = Set.of("sts", "sns", "sqs", "secretsmanager");

    /**
     * Granted but never seen in a test, each with the reason it cannot be observed against moto. Keep it tiny.
     */
    static final Map<String, String> UNOBSERVABLE = Map.of(
            "ec2:DeleteSecurityGroup", "deletes a duplicate containment group only when two containments race to create "
                    + "one; moto's races rarely leave a duplicate, so ContainmentGroupsTest drives it with a stand-in client");

    /** Granted to the execution role but called by Lambda itself, not by our code. */
    static final Map<String, String> CALLED_BY_LAMBDA = Map.of(
            "sqs:ReceiveMessage", "the SQS event source mapping polls the phase-2 queue with the execution role",
            "sqs:DeleteMessage", "the event source mapping deletes handled messages",
            "sqs:ChangeMessageVisibility", "the event source mapping returns failed messages",
            "sqs:GetQueueAttributes", "the event source mapping reads the queue's settings",
            "logs:CreateLogStream", "the Lambda runtime writes the function's log",
            "logs:PutLogEvents", "the Lambda runtime writes the function's log");

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

    @Test
    void memberRole_trustsOnlyTheExecutionRoleWithTheExternalId() {
        JsonNode trust = memberTemplate.at("/Resources/MemberRole/Properties/AssumeRolePolicyDocument/Statement");
        assertThat(trust).hasSize(1);
        assertThat(trust.get(0).at("/Principal/AWS").asText()).isEqualTo("LockdownExecutionRoleArn");
        assertThat(trust.get(0).at("/Condition/StringEquals/sts:ExternalId").asText()).isEqualTo("ExternalId");
        assertThat(memberTemplate.at("/Parameters/ExternalId/NoEcho").asBoolean()).isTrue();
        assertThat(memberTemplate.at("/Parameters/ExternalId/MinLength").asInt()).isGreaterThanOrEqualTo(16);
    }

    @Test
    void everyObservedCall_isGranted_andEveryGrantIsObserved() throws IOException {
        Set<String> observed = new TreeSet<>(read(CORE_OBSERVED));
        observed.addAll(read(HANDLER_OBSERVED));
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
        assertThat(difference(difference(executionGrants, byExecutionRole), CALLED_BY_LAMBDA.keySet()))
                .as("granted to the execution role but never called").isEmpty();
    }

    private static Set<String> read(Path file) throws IOException {
        assertThat(file).as("%s is written by the integration tests (run the build with -am so they run first)", file)
                .exists();
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
