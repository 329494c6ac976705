package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
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
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.StatusType;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;
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
    private static final String ACCOUNT = "111111111111";
    private static final String REGION = "eu-west-1";

    @Test
    void functionJar_isSmall_andContainsEveryEntityType_inAnIsolatedClassLoader(MotoServer moto) throws Exception {
        Path jar = functionJar();
        assertThat(Files.size(jar)).as("bytes of %s", jar).isLessThanOrEqualTo(MAX_FUNCTION_JAR_BYTES);

        try (HandlerFixture fixture = new HandlerFixture(moto); Estate estate = new Estate(moto);
                IsolatedFunction function = new IsolatedFunction(jar)) {
            Map<String, String> env = new HashMap<>(fixture.environment());
            env.put("LOCKDOWN_WINDOW_SECONDS", "1");
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Object handler = function.handler(env, new PrintStream(log, true, StandardCharsets.UTF_8));
            List<String> responses = new ArrayList<>();

            for (String arn : List.of(estate.userArn, estate.roleArn, estate.functionArn, estate.instanceArn)) {
                String response = function.invoke(handler, HandlerFixture.originalEvent(arn, HandlerFixture.EXTERNAL_ID));
                responses.add(response);
                assertThat(Json.mapper().readTree(response).at("/results/0/event").asText()).as(response)
                        .isEqualTo("succeeded");
            }
            Message phase2 = receivePhase2(fixture);
            String isolated = function.invoke(handler, HandlerFixture.sqsEvent(phase2.messageId(), phase2.body()));
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
            // release and status through the topic, from the same pruned jar (other operations, other SDK classes)
            for (String operation : List.of("status", "release")) {
                String response = function.invoke(handler, HandlerFixture.snsEvent(Map.of("Arn", estate.userArn,
                        "ExternalId", HandlerFixture.EXTERNAL_ID, "Operation", operation), operation + " " + estate.userArn));
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

    private static Message receivePhase2(HandlerFixture fixture) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            List<Message> messages = fixture.sqs.receiveMessage(b -> b.queueUrl(fixture.phase2QueueUrl)
                    .maxNumberOfMessages(1).waitTimeSeconds(1)).messages();
            if (!messages.isEmpty()) {
                return messages.get(0);
            }
        }
        throw new AssertionError("The phase-2 message never became visible");
    }

    /** One entity of each type in the member account, made and read back with the test's own SDK. */
    private static final class Estate implements AutoCloseable {
        final AccountSessions setup;
        final IamClient iam;
        final LambdaClient lambda;
        final Ec2Client ec2;
        final String userArn;
        final String roleArn;
        final String functionArn;
        final String instanceArn;
        private final String instanceId;

        Estate(MotoServer moto) {
            setup = new AccountSessions(new AwsSettings(moto.endpoint(), Region.US_EAST_1,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")), List.of(),
                    Duration.ofSeconds(30), Duration.ofSeconds(90), 2), Access.memberRole("SetupRole", null));
            AccountSession account = setup.session("aws", ACCOUNT, REGION, "setup");
            iam = account.iam();
            lambda = account.lambda();
            ec2 = account.ec2();
            String lambdaTrust = trust("lambda.amazonaws.com");
            userArn = iam.createUser(b -> b.userName("mallory")).user().arn();
            iam.createAccessKey(b -> b.userName("mallory"));
            roleArn = iam.createRole(b -> b.roleName("ci-deployer").assumeRolePolicyDocument(trust("ec2.amazonaws.com")))
                    .role().arn();
            String functionRole = iam.createRole(b -> b.roleName("billing-export-role")
                    .assumeRolePolicyDocument(lambdaTrust)).role().arn();
            functionArn = lambda.createFunction(b -> b.functionName("billing-export").runtime(Runtime.PYTHON3_12)
                    .role(functionRole).handler("index.handler").code(c -> c.zipFile(SdkBytes.fromByteArray(zip()))))
                    .functionArn();
            iam.createRole(b -> b.roleName("web-role").assumeRolePolicyDocument(trust("ec2.amazonaws.com")));
            iam.createInstanceProfile(b -> b.instanceProfileName("web-profile"));
            iam.addRoleToInstanceProfile(b -> b.instanceProfileName("web-profile").roleName("web-role"));
            String vpc = ec2.createVpc(b -> b.cidrBlock("10.40.0.0/16")).vpc().vpcId();
            String subnet = ec2.createSubnet(b -> b.vpcId(vpc).cidrBlock("10.40.1.0/24")).subnet().subnetId();
            String image = ec2.describeImages(b -> b.owners("amazon").filters(Filter.builder().name("name")
                    .values("amzn2-ami-hvm-*").build())).images().get(0).imageId();
            instanceId = ec2.runInstances(b -> b.imageId(image).instanceType(InstanceType.T3_MICRO).subnetId(subnet)
                    .minCount(1).maxCount(1).iamInstanceProfile(p -> p.name("web-profile")))
                    .instances().get(0).instanceId();
            instanceArn = "arn:aws:ec2:" + REGION + ":" + ACCOUNT + ":instance/" + instanceId;
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

        private static String trust(String service) {
            return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\""
                    + service + "\"},\"Action\":\"sts:AssumeRole\"}]}";
        }

        private static byte[] zip() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
                zip.putNextEntry(new ZipEntry("index.py"));
                zip.write("def handler(event, context):\n    return 'ok'\n".getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        @Override
        public void close() {
            setup.close();
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
