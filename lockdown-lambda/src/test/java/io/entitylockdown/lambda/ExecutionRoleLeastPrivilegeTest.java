package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * The function's execution role grants exactly what the handler's integration tests saw it call (plus what
 * Lambda itself calls with it), and every member-role call the handler made is granted to the member role.
 *
 * <p>Runs in its own failsafe execution after this module's integration tests (post-integration-test, see
 * the pom), which have written {@code target/observed-handler-actions.txt} ({@link TestHandler#OBSERVED}).
 * The member role's half (template = strategies = calls seen by core's integration tests) is
 * {@code LeastPrivilegeTest} in lockdown-core.
 */
class ExecutionRoleLeastPrivilegeTest {
    static final Path HANDLER_OBSERVED = TestHandler.OBSERVED;

    /** Calls the execution role makes itself (never the member role); they must be in the execution role's policy. */
    private static final Set<String> EXECUTION_ROLE_SERVICES = Set.of("sts", "sns", "sqs", "secretsmanager", "securityhub");

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
    void everyObservedCall_isGranted_andEveryGrantIsObserved() throws IOException {
        Set<String> observed = new TreeSet<>(read(HANDLER_OBSERVED));
        Set<String> byMemberRole = observed.stream().filter(a -> !EXECUTION_ROLE_SERVICES.contains(service(a)))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> byExecutionRole = difference(observed, byMemberRole);
        Set<String> memberGrants = Templates.allowedActions(memberPolicy);
        Set<String> executionGrants = Templates.allowedActions(
                Templates.statements(securityTemplate, "ExecutionRole", "EntityLockdownFunction"));

        assertThat(difference(byMemberRole, memberGrants)).as("called by the engine but not granted to the member role")
                .isEmpty();
        assertThat(difference(byExecutionRole, executionGrants)).as("called by the function but not granted to its "
                + "execution role").isEmpty();
        assertThat(difference(difference(executionGrants, byExecutionRole), CALLED_BY_LAMBDA.keySet()))
                .as("granted to the execution role but never called").isEmpty();
    }

    @Test
    void handlerOperations_thatTheFunctionJarKeeps_areExactlyTheCallsTheHandlerMadeWithItsRole() throws IOException {
        Set<String> byExecutionRole = read(HANDLER_OBSERVED).stream()
                .filter(a -> EXECUTION_ROLE_SERVICES.contains(service(a)))
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(new TreeSet<>(FunctionOperations.HANDLER)).as("FunctionOperations.HANDLER: the pruned function "
                + "jar lacks the SDK classes of an operation missing there").isEqualTo(byExecutionRole);
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
