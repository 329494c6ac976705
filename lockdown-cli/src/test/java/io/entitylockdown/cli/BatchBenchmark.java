package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * What {@code --parallel} buys for a batch: {@code lockdown contain --file} of 40 IAM users at
 * parallel 1, 4 and 8 (wall time and ratio to parallel 1), and how many AWS calls one containment of
 * each entity type makes. Against moto on a shared machine, so only the ratios within one run mean
 * anything; it asserts that every entity was contained, never on time. Not run by surefire's includes;
 * run it with {@code -Dtest=BatchBenchmark} (see docs/testing.md).
 */
@ExtendWith(MotoExtension.class)
class BatchBenchmark {
    static final int USERS = 40;
    static final int[] PARALLEL = {1, 4, 8};
    static final Map<String, String> EXTERNAL_ID = Map.of("LOCKDOWN_EXTERNAL_ID", "cli-bench-external-id");

    @Test
    void containFile_atParallel1_4_8_andCallsPerEntityType(MotoServer moto, @TempDir Path dir) throws Exception {
        Map<Integer, Long> wall = new LinkedHashMap<>();
        for (int parallel : PARALLEL) {
            // Fresh users per run: containing an already contained user is cheaper and would flatter later runs.
            List<String> lines = new ArrayList<>();
            List<String> names = new ArrayList<>();
            try (Estate estate = new Estate(moto)) {
                for (int i = 0; i < USERS; i++) {
                    String name = "p" + parallel + "-user-" + i;
                    names.add(name);
                    lines.add(estate.user(name));
                }
            }
            Path file = Files.write(dir.resolve("batch-p" + parallel + ".txt"), lines);

            long start = System.nanoTime();
            Cli.Result result = Cli.against(moto, EXTERNAL_ID).run("contain", "--file", file.toString(),
                    "--parallel", Integer.toString(parallel), "--output", "json");
            wall.put(parallel, (System.nanoTime() - start) / 1_000_000);

            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(reports(result)).hasSize(USERS).allSatisfy(r -> {
                assertThat(r.get("outcome").asText()).as(r.toString()).isEqualTo("succeeded");
                assertThat(r.get("verified").asBoolean()).isTrue();
            });
            try (Estate estate = new Estate(moto)) {
                for (String name : names) {
                    assertThat(estate.attachedUserPolicies(name)).as(name).contains("AWSDenyAll");
                    assertThat(estate.keyStatuses(name)).as(name).containsOnly("Inactive");
                }
            }
        }

        Map<String, CallCounter> calls = new LinkedHashMap<>();
        try (Estate estate = new Estate(moto)) {
            IamClient iam = estate.iam();
            String role = iam.createRole(b -> b.roleName("bench-role").assumeRolePolicyDocument(trust("ec2.amazonaws.com")))
                    .role().arn();
            String functionRole = iam.createRole(b -> b.roleName("bench-function-role")
                    .assumeRolePolicyDocument(trust("lambda.amazonaws.com"))).role().arn();
            String function = estate.in(Estate.ACCOUNT, "us-east-1").lambda().createFunction(b -> b
                    .functionName("bench-function").runtime("python3.12").role(functionRole).handler("index.handler")
                    .code(c -> c.zipFile(SdkBytes.fromByteArray(zip())))).functionArn();
            Map<String, String> entities = new LinkedHashMap<>();
            entities.put("IAM user", estate.user("bench-single-user"));
            entities.put("IAM role", role);
            entities.put("Lambda function", function);
            entities.put("EC2 instance (2 ENIs)", estate.instance("us-east-1"));
            for (Map.Entry<String, String> entity : entities.entrySet()) {
                CallCounter counter = new CallCounter();
                // Window 0: the instance's phase 2 runs straight away instead of the CLI waiting 60 s.
                Cli.Result result = Cli.against(moto, EXTERNAL_ID, counter)
                        .run("contain", entity.getValue(), "--window", "0", "--output", "json");
                assertThat(result.exitCode()).as(result.toString()).isZero();
                assertThat(reports(result)).singleElement().satisfies(r -> assertThat(r.get("outcome").asText())
                        .as(r.toString()).isEqualTo("succeeded"));
                calls.put(entity.getKey(), counter);
            }
        }
        write(table(wall, calls));
    }

    private static List<JsonNode> reports(Cli.Result result) throws IOException {
        JsonNode json = Json.mapper().readTree(result.out());
        List<JsonNode> reports = new ArrayList<>();
        if (json.isArray()) {
            json.forEach(reports::add);
        } else {
            reports.add(json);
        }
        return reports;
    }

    /** Counts every AWS call (not attempt) by IAM action; {@link CallRecorder} names the actions. */
    static final class CallCounter implements ExecutionInterceptor {
        private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
            String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
            if (service != null && operation != null) {
                counts.computeIfAbsent(CallRecorder.iamAction(service, operation), k -> new AtomicInteger())
                        .incrementAndGet();
            }
        }

        int total() {
            return counts.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        int writes() {
            return counts.entrySet().stream().filter(e -> !isRead(e.getKey())).mapToInt(e -> e.getValue().get()).sum();
        }

        Map<String, Integer> byAction() {
            Map<String, Integer> sorted = new TreeMap<>();
            counts.forEach((action, count) -> sorted.put(action, count.get()));
            return sorted;
        }

        private static boolean isRead(String action) {
            String operation = action.substring(action.indexOf(':') + 1);
            return operation.startsWith("Get") || operation.startsWith("List") || operation.startsWith("Describe")
                    || action.equals("sts:AssumeRole");
        }
    }

    private static String table(Map<Integer, Long> wall, Map<String, CallCounter> calls) {
        StringBuilder out = new StringBuilder();
        out.append("BatchBenchmark: lockdown contain --file of ").append(USERS).append(" IAM users, against moto\n");
        out.append(String.format("%-10s %10s %12s %14s%n", "parallel", "wall ms", "ms/entity", "speed-up vs 1"));
        long one = wall.get(1);
        wall.forEach((parallel, ms) -> out.append(String.format("%-10d %10d %12d %14.2f%n", parallel, ms, ms / USERS,
                (double) one / Math.max(1, ms))));
        out.append("\nAWS calls for one containment (lockdown contain ARN --window 0), including sts:AssumeRole\n");
        out.append(String.format("%-22s %6s %7s  %s%n", "entity", "calls", "writes", "by action"));
        calls.forEach((entity, counter) -> out.append(String.format("%-22s %6d %7d  %s%n", entity, counter.total(),
                counter.writes(), counter.byAction())));
        return out.toString();
    }

    private static void write(String table) throws IOException {
        System.out.print(table);
        Path file = Path.of("target", "benchmark-batch.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, table);
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
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
