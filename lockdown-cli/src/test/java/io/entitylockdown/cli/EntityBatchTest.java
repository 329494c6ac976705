package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.Outcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The batch scheduler and the progress display, without AWS. */
class EntityBatchTest {
    private static final String A = "111111111111";
    private static final String B = "222222222222";

    static ContainmentReport report(String arn, Outcome outcome) {
        return new ContainmentReport(arn, null, "", "", Operation.CONTAIN, outcome, false,
                outcome.json() + ": " + arn, List.of(), List.of(), null, List.of(), List.of(), Map.of(),
                "2026-11-28T21:00:00Z", 0, null, null);
    }

    private static String user(String account, int n) {
        return "arn:aws:iam::" + account + ":user/u" + n;
    }

    private static Progress quiet() {
        return new Progress(new PrintWriter(new StringWriter()), 100, false, System::nanoTime);
    }

    @Test
    void perAccountLimit_holds_whileOtherAccountsUseTheFreeSlots() {
        // Account A's entities wait until two of them run at once, so a limit below 2 would time them
        // out; the highest count seen per account must never pass 2, nor the total 5.
        CountDownLatch twoOfA = new CountDownLatch(2);
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> highest = new ConcurrentHashMap<>();
        AtomicInteger total = new AtomicInteger();
        AtomicInteger highestTotal = new AtomicInteger();
        List<String> arns = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            arns.add(user(A, i));
        }
        for (int i = 0; i < 6; i++) {
            arns.add(user(B, i));
        }
        arns.add("arn:aws:lambda:eu-west-1:" + A + ":function:same-account-other-region");

        List<ContainmentReport> reports = EntityBatch.run(arns, new EntityBatch.Limits(5, 2), quiet(), Operation.CONTAIN, arn -> {
            String account = EntityBatch.accountOf(arn);
            int now = running.computeIfAbsent(account, k -> new AtomicInteger()).incrementAndGet();
            highest.computeIfAbsent(account, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
            highestTotal.accumulateAndGet(total.incrementAndGet(), Math::max);
            try {
                if (account.endsWith(A)) {
                    twoOfA.countDown();
                    if (!twoOfA.await(20, TimeUnit.SECONDS)) {
                        return report(arn, Outcome.FAILED);
                    }
                }
                // stands in for a containment's duration so that tasks overlap; nothing waits for a condition
                // here and nothing is asserted about time (the counters above are the assertion)
                Thread.sleep(5);
                return report(arn, Outcome.SUCCEEDED);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return report(arn, Outcome.FAILED);
            } finally {
                running.get(account).decrementAndGet();
                total.decrementAndGet();
            }
        });

        assertThat(reports).extracting(ContainmentReport::entity).containsExactlyElementsOf(arns);
        assertThat(reports).extracting(ContainmentReport::outcome).containsOnly(Outcome.SUCCEEDED);
        assertThat(highest.get("aws:" + A).get()).isEqualTo(2);
        assertThat(highest.get("aws:" + B).get()).isBetween(1, 2);
        assertThat(highestTotal.get()).isLessThanOrEqualTo(5);
    }

    @Test
    void accountOf_isPartitionAndAccount_whateverTheRegionOrType() {
        assertThat(EntityBatch.accountOf(user(A, 1)))
                .isEqualTo(EntityBatch.accountOf("arn:aws:ec2:eu-west-1:" + A + ":instance/i-0123456789abcdef0"))
                .isEqualTo("aws:" + A);
        assertThat(EntityBatch.accountOf("arn:aws-cn:iam::" + A + ":user/u")).isEqualTo("aws-cn:" + A);
        assertThat(EntityBatch.accountOf("not an arn")).isEqualTo("not an arn");
    }

    @Test
    void anOperationThatThrows_failsThatEntityAlone_andTheOthersAreReported() {
        List<String> arns = List.of(user(A, 1), user(A, 2), user(B, 1));

        List<ContainmentReport> reports = EntityBatch.run(arns, new EntityBatch.Limits(2, 1), quiet(), Operation.CONTAIN,
                arn -> {
                    if (arn.endsWith("u2")) {
                        throw new IllegalStateException("engine bug");
                    }
                    return report(arn, Outcome.SUCCEEDED);
                });

        assertThat(reports).extracting(ContainmentReport::entity).containsExactlyElementsOf(arns);
        assertThat(reports).extracting(ContainmentReport::outcome)
                .containsExactly(Outcome.SUCCEEDED, Outcome.FAILED, Outcome.SUCCEEDED);
        assertThat(reports.get(1).steps()).singleElement().satisfies(step -> assertThat(step.detail())
                .contains("internal error", "engine bug", "idempotent"));
    }

    @Test
    void limits_belowOne_areRefused() {
        assertThatThrownBy(() -> new EntityBatch.Limits(0, 1)).hasMessageContaining("at least 1");
        assertThat(EntityBatch.Limits.of(4)).isEqualTo(new EntityBatch.Limits(4, 4));
    }

    @Test
    void perAccountOption_isValidated_andExplainedInHelp() {
        Cli.Result zero = Cli.offline().run("contain", "--per-account", "0", user(A, 1));
        Cli.Result help = Cli.offline().run("contain", "--help");

        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("--per-account must be between 1 and 32; got 0");
        assertThat(help.out()).contains("--per-account=N", "default 8", "per account");
    }

    @Test
    void progress_smallBatch_printsALinePerEntity() {
        StringWriter out = new StringWriter();
        Progress progress = new Progress(new PrintWriter(out), 2, false, System::nanoTime);

        progress.entityFinished(report(user(A, 1), Outcome.SUCCEEDED));
        progress.entityFinished(report(user(A, 2), Outcome.FAILED));

        assertThat(out.toString().lines()).containsExactly("[1/2] succeeded: " + user(A, 1),
                "[2/2] failed: " + user(A, 2));
    }

    @Test
    void progress_largeBatchWithoutTerminal_printsStatusLinesEveryFewSeconds_andEveryFailure() {
        StringWriter out = new StringWriter();
        AtomicLong clock = new AtomicLong();
        Progress progress = new Progress(new PrintWriter(out), 30, false, clock::get);

        for (int i = 1; i <= 30; i++) {
            clock.set(i * 500_000_000L); // one entity every half second
            progress.entityFinished(report(user(A, i), i == 7 ? Outcome.PARTIAL : Outcome.SUCCEEDED));
        }

        assertThat(out.toString()).doesNotContain("\r");
        assertThat(out.toString().lines()).containsExactly(
                "[7/30] partial: " + user(A, 7),
                "[10/30] done: 9 succeeded, 1 not; 2.0/s, about 10s left",
                "[20/30] done: 19 succeeded, 1 not; 2.0/s, about 5s left",
                "[30/30] done: 29 succeeded, 1 not; 2.0/s, done in 15s");
    }

    @Test
    void progress_largeBatchOnATerminal_updatesOneLine_andPrintsFailuresAboveIt() {
        StringWriter out = new StringWriter();
        AtomicLong clock = new AtomicLong();
        Progress progress = new Progress(new PrintWriter(out), 25, true, clock::get);

        for (int i = 1; i <= 25; i++) {
            clock.set(i * 200_000_000L);
            progress.entityFinished(report(user(B, i), i == 3 ? Outcome.FAILED : Outcome.SUCCEEDED));
        }

        String shown = out.toString();
        // the bar is wiped (carriage return, spaces, carriage return) before a failure's own line
        assertThat(shown).contains("\r|#", "| [1/25] done", " \r[3/25] failed: " + user(B, 3) + "\n",
                "[25/25] done: 24 succeeded, 1 not; 5.0/s, done in 5s");
        assertThat(shown).endsWith("\n").doesNotContain("[1/25] succeeded");
        // everything after the last carriage return is the finished bar
        assertThat(shown.substring(shown.lastIndexOf('\r') + 1)).startsWith("|" + "#".repeat(24) + "| [25/25]");
    }
}
