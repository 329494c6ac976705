package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.aws.HttpConnectionPool;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.StepListener;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.Fault;
import io.entitylockdown.testkit.FaultProxy;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import io.entitylockdown.testkit.Network;
import io.entitylockdown.testkit.RequestTimeline;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * The CLI at scale, through a {@link FaultProxy} that adds {@code benchmark.latencyMs} (default 100 ms)
 * to every AWS request, in front of moto. Two parts:
 *
 * <ol>
 *   <li><b>Per entity type</b> (IAM user, IAM role, Lambda function, EC2 instance with phase 2 at once):
 *       one containment as the CLI runs it (the engine a {@code lockdown contain} command builds), for the
 *       first entity of an account (the member role is assumed) and for a later one (session cached), and
 *       the same entity types through {@link OriginalHandlerReplay}. Metrics from the proxy's log, see
 *       {@link RequestTimeline}; medians of {@code benchmark.runs} (default 3).</li>
 *   <li><b>The batch</b>: {@code lockdown contain --file} of {@code benchmark.entities} (default 1,000)
 *       entities in 4 accounts (IAM users 40%, IAM roles 32%, Lambda functions 28% in us-east-1 and
 *       eu-west-1) at {@code --parallel 32}, with 10% of requests throttled and 2% failing with a 5xx
 *       (seeded). Asserts that every entity is reported exactly once, contained (verified, and checked in
 *       moto) or failed with a reason. Then a sample ({@code benchmark.baselineSample}, default 100) of the
 *       same mix through {@link OriginalHandlerReplay}, one after another, under the same latency and faults:
 *       the throughput ratio. Also where the time goes: moto's CPU, this JVM's CPU, the time a request
 *       spends at moto beyond the injected latency, connections.</li>
 * </ol>
 *
 * <p>Never asserts on time. Not part of the normal build; run it by name (docs/testing.md). Prints markdown
 * and writes it to {@code target/benchmark-batch.md}.
 */
@ExtendWith({BatchBenchmark.ConnectionPool.class, MotoExtension.class})
class BatchBenchmark {
    static final Duration LATENCY = Duration.ofMillis(Long.getLong("benchmark.latencyMs", 100));
    static final int RUNS = Integer.getInteger("benchmark.runs", 3);
    static final int ENTITIES = Integer.getInteger("benchmark.entities", 1000);
    static final int BASELINE_SAMPLE = Integer.getInteger("benchmark.baselineSample", 100);
    static final int PARALLEL = 32;
    static final double THROTTLED = 0.10;
    static final double SERVER_ERRORS = 0.02;
    static final long SEED = Long.getLong("benchmark.seed", 20261128L);
    static final List<String> ACCOUNTS = List.of("111111111111", "222222222222", "333333333333", "444444444444");
    static final List<String> REGIONS = List.of("us-east-1", "eu-west-1");
    static final String SINGLES_ACCOUNT = "555555555555";
    static final String EXTERNAL_ID = "cli-bench-external-id";
    /** Which parts to run, comma-separated: {@code types}, {@code retry}, {@code batch} (all by default). */
    static final String PARTS = System.getProperty("benchmark.parts", "types,retry,batch");
    static final String RETRY_MODE = System.getProperty("benchmark.retryMode", "standard (the default)");

    /** Raises the JDK keep-alive pool before moto's start-up probe makes the JDK read the setting. */
    static final class ConnectionPool implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            HttpConnectionPool.configure();
        }
    }

    /** One measured containment. */
    record Run(int roundTripsBeforeDeny, long denyMs, int requests, int roundTrips, long doneMs, String waves) {
    }

    @Test
    void containFile_1000Entities_underThrottling_andPerEntityType(MotoEstate motoEstate, @TempDir Path dir)
            throws Exception {
        StringBuilder out = new StringBuilder();
        MotoServer moto = motoEstate.moto();
        Entities estate = new Entities(motoEstate);
        try (FaultProxy proxy = FaultProxy.start(moto.endpoint())) {
            proxy.latency(LATENCY).seed(SEED);
            String topic = estate.topic();
            CliEnvironment cli = environment(moto, proxy);

            if (PARTS.contains("types")) {
                out.append(perEntityType(estate, proxy, cli, topic)).append('\n');
            }
            if (PARTS.contains("retry")) {
                out.append(oneThrottle(estate, proxy, moto)).append('\n');
            }
            if (PARTS.contains("batch")) {
                out.append(batch(estate, proxy, cli, topic, moto, dir));
            }
        }
        write(out.toString());
    }

    // ---------------------------------------------------------------- part 1: one containment per type

    private static String perEntityType(Entities estate, FaultProxy proxy, CliEnvironment cli, String topic) {
        String load = load();
        Map<String, List<Run>> rows = new LinkedHashMap<>();
        List<String> types = List.of("IAM user", "IAM role", "Lambda function", "EC2 instance (both phases)");
        ContainmentOptions options = ContainmentOptions.defaults().withWindowSeconds(0);
        for (int run = 0; run < RUNS; run++) {
            for (String type : types) {
                // a new engine, as a new lockdown command: its first entity assumes the member role, the next reuses it
                LockdownConfig config = cli.config(null);
                try (LockdownEngine engine = config.newEngine(config.memberRole(EXTERNAL_ID), StepListener.NONE,
                        () -> io.entitylockdown.core.record.RecordKey.fromSecret(EXTERNAL_ID))) {
                    for (String state : List.of("first", "later")) {
                        String arn = estate.single(type, run, state);
                        String label = type + "|" + (state.equals("first") ? "first of its account (assumes)"
                                : "later (session cached)");
                        rows.computeIfAbsent(label, k -> new ArrayList<>()).add(measure(proxy, () -> {
                            ContainmentReport report = engine.contain(arn, options);
                            assertThat(report.succeeded()).as(report.summary()).isTrue();
                            assertThat(report.verified()).as(report.summary()).isTrue();
                        }));
                    }
                }
            }
        }
        try (OriginalHandlerReplay original = new OriginalHandlerReplay(proxy.endpoint(), Region.US_EAST_1, topic)) {
            for (int run = 0; run < RUNS; run++) {
                for (String type : types.subList(0, 3)) {
                    String arn = estate.single(type, run, "original");
                    rows.computeIfAbsent(type + "|original handler (stand-in)", k -> new ArrayList<>())
                            .add(measure(proxy, () -> assertThat(original.handle(arn)).as(arn).isTrue()));
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("### One containment per entity type (BatchBenchmark)\n\n");
        out.append(LATENCY.toMillis()).append(" ms added to every request, no faults; median of ").append(RUNS)
                .append(" runs. Load average ").append(load).append(" before, ").append(load()).append(" after.\n\n");
        out.append("| entity | run | round trips before first deny | first deny in place (ms) | requests "
                + "| round trips in all | done (ms) |\n");
        out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
        List<String> sorted = new ArrayList<>(rows.keySet());
        sorted.sort((a, b) -> Integer.compare(types.indexOf(a.split("\\|")[0]), types.indexOf(b.split("\\|")[0])));
        for (String key : sorted) {
            List<Run> runs = rows.get(key);
            String[] parts = key.split("\\|");
            out.append(String.format("| %s | %s | %d | %d | %d | %d | %d |%n", parts[0], parts[1],
                    median(runs, Run::roundTripsBeforeDeny), median(runs, Run::denyMs), median(runs, Run::requests),
                    median(runs, Run::roundTrips), median(runs, Run::doneMs)));
        }
        out.append("\nRequests wave by wave (first run of each row):\n\n");
        for (String key : sorted) {
            out.append("- ").append(key.replace("|", ", ")).append(": ").append(rows.get(key).get(0).waves()).append('\n');
        }
        return out.toString();
    }

    /**
     * The same IAM-user containment with its first IAM request throttled once, per retry mode: what one
     * throttle costs the rest of the containment (an adaptive client paces its later requests).
     */
    private static String oneThrottle(Entities estate, FaultProxy proxy, MotoServer moto) {
        StringBuilder out = new StringBuilder();
        out.append("### One throttle early in a containment, per retry mode (BatchBenchmark)\n\n");
        out.append(LATENCY.toMillis()).append(" ms added to every request; the first IAM request of the containment "
                + "is throttled once; session already cached; median of ").append(RUNS).append(" runs.\n\n");
        out.append("| retry mode | requests | round trips in all | done (ms) |\n| --- | ---: | ---: | ---: |\n");
        for (String mode : List.of("standard", "adaptive")) {
            Map<String, String> env = new HashMap<>(moto.awsEnvironment());
            env.put("AWS_ENDPOINT_URL", proxy.endpoint().toString());
            env.put("AWS_RETRY_MODE", mode);
            CliEnvironment cli = new CliEnvironment(env, settings -> settings.withCredentials(
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))));
            List<Run> runs = new ArrayList<>();
            for (int run = 0; run < RUNS; run++) {
                LockdownConfig config = cli.config(null);
                try (LockdownEngine engine = config.newEngine(config.memberRole(EXTERNAL_ID), StepListener.NONE,
                        () -> io.entitylockdown.core.record.RecordKey.fromSecret(EXTERNAL_ID))) {
                    engine.sessions().session("aws", SINGLES_ACCOUNT, "us-east-1").resolveCredentials();
                    String arn = estate.user(SINGLES_ACCOUNT, "throttle-" + mode + "-" + run);
                    FaultProxy.Rule once = proxy.inject("iam:*", Fault.throttling(), 1);
                    runs.add(measure(proxy, () -> {
                        ContainmentReport report = engine.contain(arn, ContainmentOptions.defaults());
                        assertThat(report.succeeded()).as(report.summary()).isTrue();
                    }));
                    assertThat(once.applied()).isEqualTo(1);
                    proxy.clearRules();
                }
            }
            out.append(String.format("| %s | %d | %d | %d |%n", mode, median(runs, Run::requests),
                    median(runs, Run::roundTrips), median(runs, Run::doneMs)));
        }
        return out.toString();
    }

    private static Run measure(FaultProxy proxy, Runnable containment) {
        proxy.resetCounts();
        containment.run();
        long done = System.nanoTime();
        RequestTimeline timeline = RequestTimeline.of(proxy.exchanges());
        FaultProxy.Exchange deny = timeline.firstContainingWrite()
                .orElseThrow(() -> new AssertionError("No containing write: " + timeline.waves()));
        return new Run(timeline.roundTripsBefore(deny), timeline.since(deny.answeredNanos()).toMillis(),
                timeline.requests(), timeline.roundTrips(), timeline.since(done).toMillis(), timeline.waves());
    }

    // ---------------------------------------------------------------- part 2: the batch under faults

    private static String batch(Entities estate, FaultProxy proxy, CliEnvironment cli, String topic, MotoServer moto,
            Path dir) throws Exception {
        List<String> arns = estate.batch(ENTITIES, "b");
        // one user per account is deleted after it was listed (a responder's list is never quite fresh):
        // those must come back failed with their reason, and the rest must not suffer for them
        List<String> gone = arns.stream().filter(a -> a.contains(":user/")).limit(ACCOUNTS.size()).toList();
        gone.forEach(estate::deleteUser);
        List<String> sample = estate.batch(BASELINE_SAMPLE, "o");
        Path file = Files.write(dir.resolve("incident.txt"), arns);
        FaultProxy.Rule throttled = proxy.inject("*", Fault.throttling(), THROTTLED);
        FaultProxy.Rule failed500 = proxy.inject("*", Fault.serverError(500), SERVER_ERRORS / 2);
        FaultProxy.Rule failed503 = proxy.inject("*", Fault.serverError(503), SERVER_ERRORS / 2);
        proxy.resetCounts();

        String loadBefore = load();
        Usage before = Usage.now(moto);
        long start = System.nanoTime();
        Cli.Result result = new Cli(cli).run("contain", "--file", file.toString(), "--parallel",
                Integer.toString(PARALLEL), "--output", "json");
        long wallNanos = System.nanoTime() - start;
        Usage used = Usage.now(moto).minus(before);
        String loadAfter = load();
        List<FaultProxy.Exchange> log = proxy.exchanges();
        int clientConnections = proxy.clientConnections();
        int faults = throttled.applied() + failed500.applied() + failed503.applied();

        assertThat(result.exitCode()).as(tail(result.err())).isIn(ExitCodes.OK, ExitCodes.FAILED);
        List<JsonNode> reports = new ArrayList<>();
        Json.mapper().readTree(result.out()).forEach(reports::add);
        Map<String, Integer> seen = new TreeMap<>();
        reports.forEach(r -> seen.merge(r.get("entity").asText(), 1, Integer::sum));
        assertThat(seen.keySet()).as("every entity reported").containsExactlyInAnyOrderElementsOf(arns);
        assertThat(seen.values()).as("each exactly once").containsOnly(1);
        Map<String, Integer> outcomes = new TreeMap<>();
        Map<String, Integer> reasons = new TreeMap<>();
        List<String> contained = new ArrayList<>();
        for (JsonNode report : reports) {
            String outcome = report.get("outcome").asText();
            outcomes.merge(outcome, 1, Integer::sum);
            if (outcome.equals("succeeded")) {
                assertThat(report.path("verified").asBoolean()).as(report.toString()).isTrue();
                contained.add(report.get("entity").asText());
            } else {
                assertThat(outcome).as(report.toString()).isIn("partial", "failed");
                List<String> why = new ArrayList<>();
                report.path("steps").forEach(step -> {
                    if (step.path("status").asText().equals("failed")) {
                        why.add(step.path("step").asText() + ": " + step.path("detail").asText());
                    }
                });
                report.path("verification").forEach(check -> {
                    if (!check.path("passed").asBoolean()) {
                        why.add("verify " + check.path("check").asText() + ": " + check.path("detail").asText());
                    }
                });
                assertThat(why).as("a failed entity names its failed steps or checks and why: " + report)
                        .isNotEmpty().allSatisfy(w -> assertThat(w).doesNotEndWith(": "));
                why.forEach(w -> reasons.merge(w.replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<id>")
                        .replaceAll("\\d{12}", "<account>").replaceAll("(user|role|fn-role|fn)-b-\\d+", "<$1>"), 1, Integer::sum));
            }
        }
        // the rest is contained, or reported with its reason (above): 5 attempts can run out under 12% faults
        assertThat(contained).as("a deleted user cannot be contained").doesNotContainAnyElementsOf(gone);
        estate.assertContained(contained);

        // the original, one entity after another, same latency and faults
        proxy.resetCounts();
        int originalOk = 0;
        long originalStart = System.nanoTime();
        try (OriginalHandlerReplay original = new OriginalHandlerReplay(proxy.endpoint(), Region.US_EAST_1, topic)) {
            for (String arn : sample) {
                try {
                    originalOk += original.handle(arn) ? 1 : 0;
                } catch (RuntimeException e) {
                    // its audit publish failed beyond the retries: the original's invocation would have failed too
                }
            }
        }
        double originalSeconds = (System.nanoTime() - originalStart) / 1e9;
        int originalRequests = proxy.exchanges().size();
        proxy.clearRules();

        double seconds = wallNanos / 1e9;
        double rate = arns.size() / seconds;
        double originalRate = sample.size() / originalSeconds;
        double atMoto = log.stream().filter(FaultProxy.Exchange::answered).filter(e -> e.fault() == null)
                .mapToLong(e -> e.answeredNanos() - e.arrivedNanos() - LATENCY.toNanos()).average().orElse(0) / 1e6;
        double inFlight = log.stream().filter(FaultProxy.Exchange::answered)
                .mapToLong(e -> e.answeredNanos() - e.arrivedNanos()).sum() / (double) wallNanos;

        StringBuilder out = new StringBuilder();
        out.append("### The batch (BatchBenchmark)\n\n");
        out.append(String.format("`lockdown contain --file` of %d entities (%s; %d of the users deleted before the "
                + "run) in %d accounts, `--parallel %d`, "
                + "default `--per-account`, retry mode %s; %d ms added to every request, %.0f%% throttled, %.0f%% 5xx "
                + "(seed %d). Load average %s before, %s after.%n%n", arns.size(), estate.mix(arns), gone.size(),
                ACCOUNTS.size(),
                PARALLEL, RETRY_MODE, LATENCY.toMillis(), THROTTLED * 100, SERVER_ERRORS * 100, SEED, loadBefore,
                loadAfter));
        out.append("| run | entities | wall (s) | entities/s | requests | requests/s | faults injected | outcome |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        out.append(String.format("| this project, `--parallel %d` | %d | %.1f | %.2f | %d | %.0f | %d | %s |%n",
                PARALLEL, arns.size(), seconds, rate, log.size(), log.size() / seconds, faults, outcomes));
        out.append(String.format("| original handler (stand-in), sequential | %d | %.1f | %.2f | %d | %.0f | - | "
                + "%d complete, %d failed |%n", sample.size(), originalSeconds, originalRate, originalRequests,
                originalRequests / originalSeconds, originalOk, sample.size() - originalOk));
        out.append(String.format("%nThroughput ratio (this project / original sequential): **%.1f×**.%n%n",
                rate / originalRate));
        out.append("Where the batch's time went:\n\n");
        out.append(String.format("- moto (one Python process) used %.1f s of CPU in %.1f s of wall time (%.0f%% of one "
                + "core); this JVM used %.1f s of CPU (%.0f%% of one core); the machine has %d cores.%n", used.motoCpu(),
                seconds, 100 * used.motoCpu() / seconds, used.jvmCpu(), 100 * used.jvmCpu() / seconds,
                Runtime.getRuntime().availableProcessors()));
        out.append(String.format("- a forwarded request spent on average %.0f ms at moto (queueing and work) on top of "
                + "the %d ms latency; on average %.1f requests were in flight at the proxy.%n", atMoto,
                LATENCY.toMillis(), inFlight));
        out.append(String.format("- %d client connections for %d requests (JDK keep-alive pool of %s per host).%n",
                clientConnections, log.size(), System.getProperty("http.maxConnections")));
        out.append(String.format("- sts:AssumeRole requests: %d for %d accounts (retries of throttled ones included).%n",
                log.stream().filter(e -> e.action().equals("sts:AssumeRole")).count(), ACCOUNTS.size()));
        if (!reasons.isEmpty()) {
            out.append("\nWhy entities were not contained and verified (failed steps and checks, names and accounts "
                    + "masked):\n\n");
            reasons.forEach((why, count) -> out.append("- ").append(count).append(" × ").append(why).append('\n'));
        }
        out.append("\nThe CLI's last progress lines:\n\n```\n").append(tail(result.err())).append("```\n");
        return out.toString();
    }

    /** CPU seconds used so far by moto and by this JVM. */
    record Usage(double motoCpu, double jvmCpu) {
        static Usage now(MotoServer moto) {
            double motoCpu;
            try {
                String[] stat = Files.readString(Path.of("/proc/" + moto.pid() + "/stat")).split("\\)\\s+")[1].split("\\s+");
                motoCpu = (Long.parseLong(stat[11]) + Long.parseLong(stat[12])) / 100.0;
            } catch (IOException | RuntimeException e) {
                motoCpu = Double.NaN;
            }
            var os = ManagementFactory.getOperatingSystemMXBean();
            double jvmCpu = os instanceof com.sun.management.OperatingSystemMXBean sun
                    ? sun.getProcessCpuTime() / 1e9 : Double.NaN;
            return new Usage(motoCpu, jvmCpu);
        }

        Usage minus(Usage earlier) {
            return new Usage(motoCpu - earlier.motoCpu, jvmCpu - earlier.jvmCpu);
        }
    }

    private static CliEnvironment environment(MotoServer moto, FaultProxy proxy) {
        Map<String, String> env = new HashMap<>(moto.awsEnvironment());
        env.put("AWS_ENDPOINT_URL", proxy.endpoint().toString());
        env.put(CliEnvironment.EXTERNAL_ID, EXTERNAL_ID);
        String retryMode = System.getProperty("benchmark.retryMode");
        if (retryMode != null) {
            env.put("AWS_RETRY_MODE", retryMode);
        }
        // production retries and timeouts (5 adaptive attempts); only the credentials are the test's
        return new CliEnvironment(env, settings -> settings.withCredentials(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))));
    }

    static long median(List<Run> runs, ToLongFunction<Run> metric) {
        List<Long> values = new ArrayList<>(runs.stream().map(metric::applyAsLong).toList());
        Collections.sort(values);
        return values.get((values.size() - 1) / 2);
    }

    static String load() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " / " + parts[1] + " / " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 6), lines.size())) + "\n";
    }

    private static void write(String text) throws IOException {
        System.out.print(text);
        Path file = Path.of("target", "benchmark-batch.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** The benchmark's entities on the estate, created directly in moto (not through the proxy), and their read-back. */
    static final class Entities {
        private final MotoEstate estate;

        Entities(MotoEstate estate) {
            this.estate = estate;
        }

        private IamClient iam(String account) {
            return estate.account(account).iam();
        }

        private LambdaClient lambda(String account, String region) {
            return estate.account(account).lambda(region);
        }

        /** The original handler's audit topic, in the security account (moto's default). */
        String topic() {
            return estate.security().sns().createTopic(b -> b.name("original-lockdown-audit")).topicArn();
        }

        /** One entity of a type for part 1, in its own account. */
        String single(String type, int run, String state) {
            String name = "single-" + state + "-" + run;
            return switch (type) {
                case "IAM user" -> user(SINGLES_ACCOUNT, name);
                case "IAM role" -> role(SINGLES_ACCOUNT, name);
                case "Lambda function" -> function(SINGLES_ACCOUNT, "us-east-1", name);
                default -> instance(SINGLES_ACCOUNT, "us-east-1");
            };
        }

        /** {@code count} entities spread over the accounts: 40% users, 32% roles, 28% functions in two regions. */
        List<String> batch(int count, String prefix) throws Exception {
            List<Callable<String>> creations = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String account = ACCOUNTS.get(i % ACCOUNTS.size());
                String name = prefix + "-" + i;
                int slot = i % 25; // 25 and 4 share no factor: every account gets every kind
                if (slot < 10) {
                    creations.add(() -> user(account, name));
                } else if (slot < 18) {
                    creations.add(() -> role(account, name));
                } else {
                    String region = REGIONS.get(slot % 2);
                    creations.add(() -> function(account, region, name));
                }
            }
            return runAll(creations);
        }

        String mix(List<String> arns) {
            long users = arns.stream().filter(a -> a.contains(":user/")).count();
            long roles = arns.stream().filter(a -> a.contains(":role/")).count();
            long east = arns.stream().filter(a -> a.contains(":lambda:us-east-1:")).count();
            long west = arns.stream().filter(a -> a.contains(":lambda:eu-west-1:")).count();
            return users + " IAM users, " + roles + " IAM roles, " + (east + west) + " Lambda functions (" + east
                    + " in us-east-1, " + west + " in eu-west-1)";
        }

        String user(String account, String name) {
            return estate.account(account).user("user-" + name).activeKey().create().arn();
        }

        void deleteUser(String arn) {
            String user = arn.substring(arn.lastIndexOf('/') + 1);
            IamClient iam = iam(arn.split(":")[4]);
            iam.listAccessKeys(b -> b.userName(user)).accessKeyMetadata()
                    .forEach(key -> iam.deleteAccessKey(b -> b.userName(user).accessKeyId(key.accessKeyId())));
            iam.deleteUser(b -> b.userName(user));
        }

        String role(String account, String name) {
            return estate.account(account).role("role-" + name).trustedBy("ec2.amazonaws.com").create();
        }

        String function(String account, String region, String name) {
            EstateAccount owner = estate.account(account);
            return owner.function("fn-" + name).region(region).role(owner.role("fn-role-" + name).create()).create();
        }

        /** One interface in the VPC's default group, launched with --subnet-id alone. */
        String instance(String account, String region) {
            Network network = estate.account(account).network(region);
            return network.arn(network.instance().securityGroupIds().launch());
        }

        /** Checks in moto, not in the reports, that every entity reported contained is: denied, keys off, concurrency 0. */
        void assertContained(List<String> arns) throws Exception {
            List<Callable<String>> checks = new ArrayList<>();
            for (String arn : arns) {
                checks.add(() -> {
                    String[] parts = arn.split(":");
                    String account = parts[4];
                    IamClient iam = iam(account);
                    if (arn.contains(":user/")) {
                        String user = arn.substring(arn.lastIndexOf('/') + 1);
                        assertThat(Denial.userDenied(iam, user)).as(arn).isTrue();
                        assertThat(iam.listAccessKeys(b -> b.userName(user)).accessKeyMetadata())
                                .as(arn).allSatisfy(k -> assertThat(k.statusAsString()).isEqualTo("Inactive"));
                    } else if (arn.contains(":role/")) {
                        String role = arn.substring(arn.lastIndexOf('/') + 1);
                        assertThat(Denial.roleDenied(iam, role)).as(arn).isTrue();
                    } else {
                        assertThat(lambda(account, parts[3]).getFunctionConcurrency(b -> b.functionName(parts[6]))
                                .reservedConcurrentExecutions()).as(arn).isZero();
                    }
                    return arn;
                });
            }
            runAll(checks);
        }

        private static List<String> runAll(List<Callable<String>> work) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<String> results = new ArrayList<>();
                for (Future<String> future : pool.invokeAll(work)) {
                    results.add(future.get());
                }
                return results;
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
