package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.strategy.StateTags;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.StepStatus;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;

/**
 * Several containments of the SAME instance at once (an alert delivered twice, a responder running
 * the CLI while the Lambda acts): the end state must be that of one containment, and release must
 * restore the true original groups, not the untracked group one run saw after another had moved it.
 */
@ExtendWith(MotoExtension.class)
class Ec2ConcurrentContainmentIT {
    static final String ACCOUNT = "111111111111";

    @AfterAll
    static void everyCallDeclared() {
        Ec2Lab.assertEveryCallDeclared();
    }

    @ParameterizedTest(name = "{0} concurrent containments")
    @ValueSource(ints = {2, 5})
    void contain_sameInstanceConcurrently_endsAsOneContainment_andReleaseRestoresOriginals(int runs, MotoServer moto)
            throws Exception {
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine engine = Ec2Lab.engine(moto)) {
            String role = lab.profileWithRole("shared-web");
            Instance instance = lab.instance(2, role);
            String id = instance.instanceId();
            String second = lab.interfaces(id).stream().filter(n -> n.attachment().deviceIndex() == 1).findFirst()
                    .orElseThrow().networkInterfaceId();
            // Different originals per interface, so that a record swapped between interfaces would show.
            lab.ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(second).groups(lab.adminGroupId));
            Map<String, List<String>> original = groupsById(lab, id);

            List<ContainmentReport> reports = concurrently(runs, () -> engine.contain(lab.arn(instance),
                    ContainmentOptions.defaults()));

            assertOneContainment(lab, engine, instance, role, original, reports);
        }
    }

    /**
     * The interleaving the merge-before-write exists for: the late run reads the instance's tags before
     * the first run has recorded anything, and its interfaces after the first run has moved them. It
     * then sees only the untracked group and records no interface; writing its record without taking
     * in the first run's would lose the true originals, and release would restore nothing.
     */
    @Test
    void contain_lateRunReadsInterfacesAfterFirstMovedThem_keepsTheFirstRunsOriginals(MotoServer moto)
            throws Exception {
        CountDownLatch firstDone = new CountDownLatch(1);
        CountDownLatch lateFoundInstance = new CountDownLatch(1);
        ExecutionInterceptor gate = new ExecutionInterceptor() {
            private final AtomicBoolean held = new AtomicBoolean();

            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
                if ("DescribeNetworkInterfaces".equals(operation) && held.compareAndSet(false, true)) {
                    lateFoundInstance.countDown();
                    try {
                        if (!firstDone.await(120, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the first containment did not finish in 120 s");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
            }
        };
        try (Ec2Lab lab = new Ec2Lab(moto, ACCOUNT, "us-east-1"); LockdownEngine first = Ec2Lab.engine(moto);
                LockdownEngine late = Ec2Lab.engine(moto, Guardrails.minimal(TestAws.MEMBER_ROLE), gate)) {
            String role = lab.profileWithRole("gated-web");
            Instance instance = lab.instance(2, role);
            String id = instance.instanceId();
            String second = lab.interfaces(id).stream().filter(n -> n.attachment().deviceIndex() == 1).findFirst()
                    .orElseThrow().networkInterfaceId();
            lab.ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(second).groups(lab.adminGroupId));
            Map<String, List<String>> original = groupsById(lab, id);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<ContainmentReport> lateRun = pool.submit(() -> late.contain(lab.arn(instance),
                        ContainmentOptions.defaults()));
                assertThat(lateFoundInstance.await(120, TimeUnit.SECONDS)).isTrue();
                assertThat(InstanceMarker.tags(lab.describe(id))).as("late run read the tags before any record").isEmpty();
                ContainmentReport firstRun;
                try {
                    firstRun = first.contain(lab.arn(instance), ContainmentOptions.defaults());
                } finally {
                    firstDone.countDown();
                }
                ContainmentReport lateReport = lateRun.get(120, TimeUnit.SECONDS);
                assertThat(lateReport.steps()).as("the late run saw the interfaces already moved")
                        .filteredOn(s -> s.step().startsWith("untracked eni-"))
                        .allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.ALREADY));

                assertOneContainment(lab, first, instance, role, original, List.of(firstRun, lateReport));
                // The late run found the first run's marker when it recorded, so it joined that run's
                // snapshot set instead of starting its own.
                assertThat(lateReport.steps()).filteredOn(s -> s.step().startsWith("snapshot vol-")).isNotEmpty()
                        .allSatisfy(s -> assertThat(s.status()).as(s.detail()).isEqualTo(StepStatus.ALREADY));
                long volumes = instance.blockDeviceMappings().stream().filter(m -> m.ebs() != null).count();
                assertThat(new EvidencePreservation(lab.ec2).snapshots(id)).hasSize((int) volumes);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** The end state of one containment, then a release that restores every interface's true originals. */
    static void assertOneContainment(Ec2Lab lab, LockdownEngine engine, Instance instance, String role,
            Map<String, List<String>> original, List<ContainmentReport> reports) {
        String id = instance.instanceId();
        int runs = reports.size();
        for (ContainmentReport report : reports) {
            assertThat(report.outcome()).as(report.summary() + report.steps()).isEqualTo(Outcome.SUCCEEDED);
        }
        String untracked = Ec2InstanceLockdownIT.single(lab.groupsNamed(ContainmentGroups.Kind.UNTRACKED.groupName))
                .groupId();
        assertThat(groupsById(lab, id).values()).hasSize(2)
                .allSatisfy(groups -> assertThat(groups).containsExactly(untracked));

        StateTags.Recorded recorded = InstanceMarker.read(lab.describe(id)).orElseThrow();
        Map<String, List<String>> recordedGroups = new LinkedHashMap<>();
        InstanceRecord.of(recorded.state()).interfaces().forEach(e -> recordedGroups.put(e.interfaceId(), e.groups()));
        assertThat(recordedGroups.keySet()).containsExactlyInAnyOrderElementsOf(original.keySet());
        original.forEach((eni, groups) -> assertThat(recordedGroups.get(eni)).as(eni)
                .containsExactlyInAnyOrderElementsOf(groups));
        assertThat(InstanceRecord.of(recorded.state()).protection())
                .contains(new InstanceRecord.Protection(false, false));

        assertThat(lab.iam.listRolePolicies(b -> b.roleName(role)).policyNames())
                .containsExactly(CredentialDenyPolicy.POLICY_NAME);
        String document = URLDecoder.decode(lab.iam.getRolePolicy(b -> b.roleName(role)
                .policyName(CredentialDenyPolicy.POLICY_NAME)).policyDocument(), StandardCharsets.UTF_8);
        assertThat(occurrences(document, lab.arn(instance))).as(document).isEqualTo(1);

        int volumes = (int) instance.blockDeviceMappings().stream().filter(m -> m.ebs() != null).count();
        int snapshots = new EvidencePreservation(lab.ec2).snapshots(id).size();
        // Each run snapshots under its own containment time unless it read another's marker first;
        // between one set and one set per run is accepted, and the count is printed for the record.
        System.out.printf("[concurrent-containment runs=%d] volumes=%d snapshots=%d%n", runs, volumes, snapshots);
        assertThat(snapshots).isBetween(volumes, volumes * runs);

        ContainmentReport release = engine.release(lab.arn(instance), ContainmentOptions.defaults());

        assertThat(release.outcome()).as(release.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
        Map<String, List<String>> restored = groupsById(lab, id);
        original.forEach((eni, groups) -> assertThat(restored.get(eni)).as(eni)
                .containsExactlyInAnyOrderElementsOf(groups));
        assertThat(InstanceMarker.tags(lab.describe(id)).keySet()).noneMatch(k -> k.startsWith(StateTags.PREFIX));
        // The policy listed only this instance, so release deletes it rather than leave an empty list.
        assertThat(lab.iam.listRolePolicies(b -> b.roleName(role)).policyNames()).isEmpty();
    }

    interface Run {
        ContainmentReport run() throws Exception;
    }

    /** Starts {@code runs} calls together on their own threads and waits for all of them. */
    static List<ContainmentReport> concurrently(int runs, Run run) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ContainmentReport>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < runs; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return run.run();
                }));
            }
            start.countDown();
            List<ContainmentReport> reports = new ArrayList<>();
            for (Future<ContainmentReport> future : futures) {
                reports.add(future.get());
            }
            return reports;
        } finally {
            pool.shutdownNow();
        }
    }

    static Map<String, List<String>> groupsById(Ec2Lab lab, String instanceId) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (NetworkInterface eni : lab.interfaces(instanceId)) {
            groups.put(eni.networkInterfaceId(), SecurityGroupSwap.groupIds(eni));
        }
        return groups;
    }

    static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }
}
