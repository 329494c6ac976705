package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.FaultProxy;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.RequestTimeline;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How soon one SNS event through {@link LockdownHandler} puts the first deny in place, and how soon the
 * containment is done and verified, with an AWS-like round trip: every request goes through a
 * {@link FaultProxy} that adds {@code benchmark.latencyMs} (default 100 ms) to it, to moto.
 *
 * <p>Per entity type (IAM user, IAM role, Lambda function, EC2 instance) and per container state:
 * <em>cold</em> is the first event of a new handler (the function's first invocation after a cold start,
 * in a JVM whose classes are already loaded); <em>warm</em> is the next event of the same handler for
 * another entity of the same account (container reuse). Each is run {@code benchmark.runs} times (default
 * 3) on fresh entities; the medians are reported. Metrics come from the proxy's request log
 * ({@link RequestTimeline}), counted from the arrival of the event's first AWS request:
 *
 * <ul>
 *   <li>round trips before the first containing write ({@link RequestTimeline#CONTAINING_WRITES}),</li>
 *   <li>time until that write's answer was sent (the deny is in place),</li>
 *   <li>requests (retries included) and round trips on the critical path,</li>
 *   <li>time until the handler returned (done, verified, audited).</li>
 * </ul>
 *
 * <p>It asserts that every event succeeded and was verified, never anything about time. Not part of the
 * normal build (surefire includes {@code *Test} and {@code *IT}); run it by name, see docs/testing.md.
 * Prints a markdown table and writes it to {@code target/benchmark-handler.md}.
 */
@ExtendWith(MotoExtension.class)
class HandlerBenchmark {
    static final String ACCOUNT = MotoEstate.ACCOUNT;
    static final String REGION = "eu-west-1";
    static final int RUNS = Integer.getInteger("benchmark.runs", 3);
    static final Duration LATENCY = Duration.ofMillis(Long.getLong("benchmark.latencyMs", 100));

    /** One measured event. */
    record Run(int roundTripsBeforeDeny, long denyMs, int requests, int roundTrips, long doneMs, String waves) {
    }

    @Test
    void handler_perEntityType_coldAndWarm_throughALatencyProxy(MotoEstate estate) throws Exception {
        String loadBefore = load();
        Map<String, IntFunction<String>> types = new LinkedHashMap<>();
        Map<String, List<Run>> results = new LinkedHashMap<>();
        TestHandler fixture = TestHandler.deployOn(estate);
        // entities in the member account, created directly in moto (not through the proxy)
        EstateAccount account = estate.account(ACCOUNT);
        try (FaultProxy proxy = FaultProxy.start(estate.endpoint())) {
            types.put("IAM user", n -> account.user("bench-user-" + n).activeKey().create().arn());
            types.put("IAM role", n -> account.role("bench-role-" + n).trustedBy("ec2.amazonaws.com").create());
            types.put("Lambda function", n -> account.function("bench-fn-" + n).region(REGION)
                    .role(account.role("bench-fn-role-" + n).create()).create());
            // one interface in the VPC's default group, launched with --subnet-id alone
            types.put("EC2 instance", n -> account.network(REGION).arn(account.network(REGION).instance()
                    .securityGroupIds().launch()));
            proxy.latency(LATENCY);
            Map<String, String> env = new HashMap<>(fixture.environment());
            env.put("AWS_ENDPOINT_URL", proxy.endpoint().toString());
            int serial = 0;
            for (Map.Entry<String, IntFunction<String>> type : types.entrySet()) {
                for (int run = 0; run < RUNS; run++) {
                    String first = type.getValue().apply(serial++);
                    String second = type.getValue().apply(serial++);
                    LockdownHandler handler = handler(env);
                    results.computeIfAbsent(type.getKey() + "|cold", k -> new ArrayList<>())
                            .add(measure(handler, first, proxy));
                    results.computeIfAbsent(type.getKey() + "|warm", k -> new ArrayList<>())
                            .add(measure(handler, second, proxy));
                }
            }
        }
        write(table(results, loadBefore, load()));
    }

    /** A handler configured like the deployed function (production retries and timeouts), sending through the proxy. */
    private static LockdownHandler handler(Map<String, String> env) {
        AwsSettings aws = AwsSettings.fromEnvironment(env).withCredentials(MotoEstate.testingCredentials());
        return new LockdownHandler(env, aws, Clock.systemUTC(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private static Run measure(LockdownHandler handler, String arn, FaultProxy proxy) throws IOException {
        proxy.resetCounts();
        JsonNode response = TestHandler.invoke(handler, TestHandler.originalEvent(arn, TestHandler.EXTERNAL_ID));
        long done = System.nanoTime();
        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(response.at("/results/0/report/verified").asBoolean()).as(response.toString()).isTrue();

        RequestTimeline timeline = RequestTimeline.of(proxy.exchanges());
        FaultProxy.Exchange deny = timeline.firstContainingWrite()
                .orElseThrow(() -> new AssertionError("No containing write for " + arn + ": " + timeline.waves()));
        return new Run(timeline.roundTripsBefore(deny), timeline.since(deny.answeredNanos()).toMillis(),
                timeline.requests(), timeline.roundTrips(), timeline.since(done).toMillis(), timeline.waves());
    }

    static long median(List<Run> runs, ToLongFunction<Run> metric) {
        List<Long> values = new ArrayList<>(runs.stream().map(metric::applyAsLong).toList());
        Collections.sort(values);
        return values.get((values.size() - 1) / 2);
    }

    private static String table(Map<String, List<Run>> results, String loadBefore, String loadAfter) {
        StringBuilder out = new StringBuilder();
        out.append("HandlerBenchmark: one SNS event through LockdownHandler, ").append(LATENCY.toMillis())
                .append(" ms added to every AWS request by FaultProxy, moto behind it; median of ").append(RUNS)
                .append(" runs per row\n");
        out.append("load average (1, 5, 15 min): ").append(loadBefore).append(" before, ").append(loadAfter)
                .append(" after\n\n");
        out.append("| entity | container | round trips before first deny | first deny in place (ms) | requests "
                + "| round trips in all | done, verified (ms) |\n");
        out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
        results.forEach((key, runs) -> {
            String[] parts = key.split("\\|");
            out.append(String.format("| %s | %s | %d | %d | %d | %d | %d |%n", parts[0], parts[1],
                    median(runs, Run::roundTripsBeforeDeny), median(runs, Run::denyMs), median(runs, Run::requests),
                    median(runs, Run::roundTrips), median(runs, Run::doneMs)));
        });
        out.append("\nRequests wave by wave (first run of each row; a wave waits for the one before it):\n\n");
        results.forEach((key, runs) -> out.append("- ").append(key.replace("|", ", ")).append(": ")
                .append(runs.get(0).waves()).append('\n'));
        return out.toString();
    }

    static String load() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + ", " + parts[1] + ", " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown (no /proc/loadavg)";
        }
    }

    private static void write(String table) throws IOException {
        System.out.print(table);
        Path file = Path.of("target", "benchmark-handler.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, table);
    }
}
