package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * What the role id costs a session containment: the time from the start of {@code contain} to the
 * moment the PutRolePolicy that denies is handed to the wire, for a session (GetRole and GetRolePolicy
 * first) against a whole role (the deny is the first request), on moto through the member role. Prints
 * medians and their ratio; never asserts on time. Not run by surefire's includes; run it with
 * {@code -Dtest=RoleSessionBenchmark}.
 */
@ExtendWith(MotoExtension.class)
class RoleSessionBenchmark {
    private static final int RUNS = 15;

    @Test
    void timeToTheDeny_sessionVersusRole(MotoEstate estate) {
        for (int i = 0; i < RUNS + 1; i++) {
            estate.account().role("bench-" + i).typical().create();
        }
        FirstPut firstPut = new FirstPut();
        List<Long> session = new ArrayList<>();
        List<Long> role = new ArrayList<>();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(firstPut).build()) {
            // warm-up: the member role's credentials and the clients, so both measure only their own requests
            engine.contain("arn:aws:iam::" + MotoEstate.ACCOUNT + ":role/bench-" + RUNS, ContainmentOptions.defaults());
            for (int i = 0; i < RUNS; i++) {
                session.add(timeToDeny(engine, firstPut, "arn:aws:sts::" + MotoEstate.ACCOUNT + ":assumed-role/bench-"
                        + i + "/stolen-" + i));
                role.add(timeToDeny(engine, firstPut, "arn:aws:iam::" + MotoEstate.ACCOUNT + ":role/bench-" + i));
            }
        }
        long sessionMedian = median(session);
        long roleMedian = median(role);
        System.out.printf("time to the deny, median of %d on moto: session %.1f ms, role %.1f ms, ratio %.2f%n", RUNS,
                sessionMedian / 1e6, roleMedian / 1e6, (double) sessionMedian / roleMedian);
    }

    private static long timeToDeny(LockdownEngine engine, FirstPut firstPut, String arn) {
        firstPut.reset();
        long start = System.nanoTime();
        ContainmentReport report = engine.contain(arn, ContainmentOptions.defaults());
        assertThat(report.outcome()).as(report.summary() + report.steps()).isEqualTo(Outcome.SUCCEEDED);
        return firstPut.at() - start;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** When the first PutRolePolicy of a containment went to the wire. */
    private static final class FirstPut implements ExecutionInterceptor {
        private final AtomicLong at = new AtomicLong();

        void reset() {
            at.set(0);
        }

        long at() {
            return at.get();
        }

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if ("PutRolePolicy".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
                at.compareAndSet(0, System.nanoTime());
            }
        }
    }
}
