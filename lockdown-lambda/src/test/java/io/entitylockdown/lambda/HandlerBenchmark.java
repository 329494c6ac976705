package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.StatusType;

/**
 * What container reuse saves: IAM-user SNS events through a new {@link LockdownHandler} per event
 * (cold: clients, config and engine built each time, as a Lambda without reuse would) against one
 * handler reused for all of them (warm). Reports medians and p90s and their ratio; it never asserts on
 * time, only that every event contained its user. Not run by surefire's includes; run it with
 * {@code -Dtest=HandlerBenchmark} (see docs/testing.md). The JVM's own start-up is not in the cold
 * figure: one untimed event loads the classes first.
 */
@ExtendWith(MotoExtension.class)
class HandlerBenchmark {
    static final int EVENTS = 15;
    static final String ACCOUNT = "111111111111";

    @Test
    void handler_coldVersusWarm_everyEventContainsItsUser(MotoServer moto) throws Exception {
        try (HandlerFixture fixture = new HandlerFixture(moto);
                AccountSessions setup = new AccountSessions(new AwsSettings(moto.endpoint(), Region.US_EAST_1,
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")), List.of(),
                        Duration.ofSeconds(10), Duration.ofSeconds(30), 2), Access.memberRole("SetupRole", null))) {
            IamClient iam = setup.forEntity(EntityArn.parse("arn:aws:iam::" + ACCOUNT + ":user/x")).iam();
            List<String> users = new ArrayList<>();
            for (int i = 0; i < 2 * EVENTS + 1; i++) {
                String name = "bench-" + i;
                iam.createUser(b -> b.userName(name));
                iam.createAccessKey(b -> b.userName(name));
                users.add(name);
            }
            contain(fixture.handler(), users.get(0));

            List<Long> cold = run(users.subList(1, EVENTS + 1), fixture::handler);
            LockdownHandler reused = fixture.handler();
            List<Long> warm = run(users.subList(EVENTS + 1, 2 * EVENTS + 1), () -> reused);

            for (String user : users) {
                assertThat(iam.listAccessKeys(b -> b.userName(user)).accessKeyMetadata()).as(user)
                        .allSatisfy(k -> assertThat(k.status()).isEqualTo(StatusType.INACTIVE));
                assertThat(iam.listAttachedUserPolicies(b -> b.userName(user)).attachedPolicies()).as(user)
                        .anySatisfy(p -> assertThat(p.policyName()).isEqualTo("AWSDenyAll"));
            }
            write(table(cold, warm));
        }
    }

    private static List<Long> run(List<String> users, Supplier<LockdownHandler> handlers) throws IOException {
        List<Long> millis = new ArrayList<>();
        for (String user : users) {
            long start = System.nanoTime();
            contain(handlers.get(), user);
            millis.add((System.nanoTime() - start) / 1_000_000);
        }
        return millis;
    }

    private static void contain(LockdownHandler handler, String user) throws IOException {
        String arn = "arn:aws:iam::" + ACCOUNT + ":user/" + user;
        JsonNode response = HandlerFixture.invoke(handler, HandlerFixture.originalEvent(arn, HandlerFixture.EXTERNAL_ID));
        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
    }

    static long percentile(List<Long> values, int percent) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static String table(List<Long> cold, List<Long> warm) {
        long coldMedian = percentile(cold, 50);
        long warmMedian = percentile(warm, 50);
        StringBuilder out = new StringBuilder();
        out.append("HandlerBenchmark: ").append(EVENTS).append(" IAM-user SNS events each way, against moto\n");
        out.append(String.format("%-28s %10s %10s%n", "handler", "median ms", "p90 ms"));
        out.append(String.format("%-28s %10d %10d%n", "cold (new handler per event)", coldMedian, percentile(cold, 90)));
        out.append(String.format("%-28s %10d %10d%n", "warm (one handler reused)", warmMedian, percentile(warm, 90)));
        out.append(String.format("ratio cold/warm (median): %.2f, (p90): %.2f%n",
                (double) coldMedian / Math.max(1, warmMedian),
                (double) percentile(cold, 90) / Math.max(1, percentile(warm, 90))));
        return out.toString();
    }

    private static void write(String table) throws IOException {
        System.out.print(table);
        Path file = Path.of("target", "benchmark-handler.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, table);
    }
}
