package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.StatusType;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The function jar as Lambda runs it: the shaded and pruned {@code *-function.jar} alone, in a class loader
 * whose parent is the platform class loader, so no class of the test's class path can stand in for one the
 * pruning removed. Its {@code LockdownHandler} contains an IAM user, an IAM role, a Lambda function and an
 * EC2 instance (phase 1 with a window, then the queued phase-2 event) in a member account on moto, and its
 * SnapStart priming runs; a missing class would surface as NoClassDefFoundError or ClassNotFoundException.
 */
@ExtendWith(MotoExtension.class)
class FunctionJarIT {
    /** Lambda runs what it unzips, and code from S3 may be 250 MB unzipped; this build promises far less. */
    private static final long MAX_FUNCTION_JAR_BYTES = 25L * 1000 * 1000;
    private static final String ACCOUNT = MotoEstate.ACCOUNT;
    private static final String REGION = "eu-west-1";

    @Test
    void functionJar_isSmall_andContainsEveryEntityType_inAnIsolatedClassLoader(MotoEstate moto) throws Exception {
        Path jar = functionJar();
        assertThat(Files.size(jar)).as("bytes of %s", jar).isLessThanOrEqualTo(MAX_FUNCTION_JAR_BYTES);

        TestHandler fixture = TestHandler.deployOn(moto);
        OneOfEachType estate = new OneOfEachType(moto.account(ACCOUNT));
        try (IsolatedFunction function = new IsolatedFunction(jar)) {
            Map<String, String> env = new HashMap<>(fixture.environment());
            env.put("LOCKDOWN_WINDOW_SECONDS", "1");
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Object handler = function.handler(env, new PrintStream(log, true, StandardCharsets.UTF_8));
            List<String> responses = new ArrayList<>();

            for (String arn : List.of(estate.userArn, estate.roleArn, estate.functionArn, estate.instanceArn)) {
                String response = function.invoke(handler, TestHandler.originalEvent(arn, TestHandler.EXTERNAL_ID));
                responses.add(response);
                assertThat(Json.mapper().readTree(response).at("/results/0/event").asText()).as(response)
                        .isEqualTo("succeeded");
            }
            Message phase2 = receivePhase2(fixture);
            String isolated = function.invoke(handler, TestHandler.sqsEvent(phase2.messageId(), phase2.body()));
            responses.add(isolated);
            JsonNode isolation = Json.mapper().readTree(isolated);
            function.prime(REGION);

            assertThat(isolation.at("/results/0/report/operation").asText()).as(isolated).isEqualTo("isolate");
            assertThat(isolation.at("/results/0/event").asText()).as(isolated).isEqualTo("succeeded");
            assertThat(isolation.path("batchItemFailures")).isEmpty();
            assertThat(estate.iam.listAccessKeys(b -> b.userName("mallory")).accessKeyMetadata())
                    .allSatisfy(key -> assertThat(key.status()).isEqualTo(StatusType.INACTIVE));
            String roleDeny = estate.iam.getRolePolicy(b -> b.roleName("ci-deployer")
                    .policyName(io.entitylockdown.core.iam.ContainmentPolicy.NAME)).policyDocument();
            assertThat(io.entitylockdown.core.iam.ContainmentPolicy.parse(roleDeny, estate.roleArn))
                    .hasValueSatisfying(form -> assertThat(form.denyAll()).isTrue());
            assertThat(estate.lambda.getFunctionConcurrency(b -> b.functionName("billing-export"))
                    .reservedConcurrentExecutions()).isZero();
            assertThat(estate.interfaceGroupRuleCounts()).isNotEmpty().containsOnly(0);
            assertThat(estate.iam.listRolePolicies(b -> b.roleName("web-role")).policyNames())
                    .as("the instance's credentials denied on the role its profile web-profile holds")
                    .containsExactly(io.entitylockdown.core.ec2.CredentialDenyPolicy.perInstanceName(estate.instanceId));
            // release and status through the topic, from the same pruned jar (other operations, other SDK classes)
            for (String operation : List.of("status", "release")) {
                String response = function.invoke(handler, TestHandler.snsEvent(Map.of("Arn", estate.userArn,
                        "ExternalId", TestHandler.EXTERNAL_ID, "Operation", operation), operation + " " + estate.userArn));
                responses.add(response);
                assertThat(Json.mapper().readTree(response).at("/results/0/event").asText()).as(response)
                        .isEqualTo("succeeded");
            }
            assertThat(estate.iam.listUserTags(b -> b.userName("mallory")).tags())
                    .as("release removed the record").noneMatch(t -> t.key().startsWith("lockdown:"));
            assertThat(String.join("\n", responses) + log.toString(StandardCharsets.UTF_8))
                    .doesNotContain("NoClassDefFoundError", "ClassNotFoundException", "NoSuchMethodError");
        }
    }

    /** The jar shade and the pruner made in this build (failsafe runs after package). */
    private static Path functionJar() throws IOException {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(Path.of("target"), "*-function.jar")) {
            found.forEach(jars::add);
        }
        assertThat(jars).as("target/*-function.jar, packaged before the integration tests").hasSize(1);
        return jars.get(0);
    }

    private static Message receivePhase2(TestHandler fixture) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            List<Message> messages = fixture.sqs().receiveMessage(b -> b.queueUrl(fixture.phase2QueueUrl)
                    .maxNumberOfMessages(1).waitTimeSeconds(1)).messages();
            if (!messages.isEmpty()) {
                return messages.get(0);
            }
        }
        throw new AssertionError("The phase-2 message never became visible");
    }

    /** One entity of each type in the member account, and read-back of what their containment changed. */
    private static final class OneOfEachType {
        final IamClient iam;
        final LambdaClient lambda;
        final Ec2Client ec2;
        final String userArn;
        final String roleArn;
        final String functionArn;
        final String instanceArn;
        private final String instanceId;

        OneOfEachType(EstateAccount account) {
            iam = account.iam();
            lambda = account.lambda(REGION);
            userArn = account.user("mallory").activeKey().create().arn();
            roleArn = account.role("ci-deployer").trustedBy("ec2.amazonaws.com").create();
            functionArn = account.function("billing-export").region(REGION)
                    .role(account.role("billing-export-role").create()).create();
            Network network = account.network(REGION);
            ec2 = network.ec2();
            instanceId = network.instance().profile(network.instanceProfile("web-profile", "web-role")).launch().instanceId();
            instanceArn = network.arn(instanceId);
        }

        /** The number of rules of every group on every interface of the instance. */
        List<Integer> interfaceGroupRuleCounts() {
            List<Integer> counts = new ArrayList<>();
            ec2.describeNetworkInterfaces(b -> b.filters(Filter.builder().name("attachment.instance-id")
                    .values(instanceId).build())).networkInterfaces().forEach(eni -> eni.groups().forEach(group ->
                    counts.add(ec2.describeSecurityGroupRules(b -> b.filters(Filter.builder().name("group-id")
                            .values(group.groupId()).build())).securityGroupRules().size())));
            return counts;
        }
    }

    /** The function jar in a class loader of its own; every call goes through reflection on its classes. */
    private static final class IsolatedFunction implements AutoCloseable {
        private final URLClassLoader loader;

        IsolatedFunction(Path jar) throws IOException {
            loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        }

        /** {@code new LockdownHandler(env, StaticCredentialsProvider.create(...), log)} from the jar. */
        Object handler(Map<String, String> env, PrintStream log) throws ReflectiveOperationException {
            Class<?> credentials = type("software.amazon.awssdk.auth.credentials.AwsCredentials");
            Class<?> provider = type("software.amazon.awssdk.auth.credentials.AwsCredentialsProvider");
            Object basic = call(() -> type("software.amazon.awssdk.auth.credentials.AwsBasicCredentials")
                    .getMethod("create", String.class, String.class).invoke(null, "testing", "testing"));
            Object staticProvider = call(() -> type("software.amazon.awssdk.auth.credentials.StaticCredentialsProvider")
                    .getMethod("create", credentials).invoke(null, basic));
            return call(() -> type("io.entitylockdown.lambda.LockdownHandler")
                    .getConstructor(Map.class, provider, PrintStream.class).newInstance(env, staticProvider, log));
        }

        /** {@code handler.handleRequest(event, response, null)}; returns the response. */
        String invoke(Object handler, String event) throws ReflectiveOperationException {
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            call(() -> handler.getClass().getMethod("handleRequest", InputStream.class, OutputStream.class,
                    type("com.amazonaws.services.lambda.runtime.Context"))
                    .invoke(handler, new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), response, null));
            return response.toString(StandardCharsets.UTF_8);
        }

        /** The SnapStart priming, from the jar: every client it builds and request it marshals must load. */
        void prime(String region) throws ReflectiveOperationException {
            call(() -> type("io.entitylockdown.lambda.SnapStartPriming").getMethod("primeWithoutCheckpoint", Map.class)
                    .invoke(null, Map.of("AWS_REGION", region)));
        }

        private Class<?> type(String name) throws ClassNotFoundException {
            return Class.forName(name, true, loader);
        }

        /** Unwraps what the jar's code threw, so a NoClassDefFoundError shows as itself. */
        private static Object call(Reflective call) throws ReflectiveOperationException {
            try {
                return call.run();
            } catch (InvocationTargetException e) {
                throw new AssertionError("The function jar's code threw " + e.getCause(), e.getCause());
            }
        }

        @Override
        public void close() throws IOException {
            loader.close();
        }
    }

    @FunctionalInterface
    private interface Reflective {
        Object run() throws ReflectiveOperationException;
    }
}
