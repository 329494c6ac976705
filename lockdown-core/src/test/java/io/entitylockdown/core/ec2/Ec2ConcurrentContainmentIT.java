package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;

/**
 * Several containments of the SAME instance at once (an alert delivered twice, a responder running
 * the CLI while the Lambda acts): the end state must be that of one containment, and release must
 * restore the true original groups, not the untracked group one run saw after another had moved it.
 */
@ExtendWith(MotoExtension.class)
class Ec2ConcurrentContainmentIT {
    /** Every call of this class's engines, for the least-privilege check after them. */
    private static final CallRecorder CALLS = new CallRecorder();

    @AfterAll
    static void everyCallDeclared() {
        TestEngine.assertDeclared(new Ec2InstanceLockdown(), CALLS);
    }

    @ParameterizedTest(name = "{0} concurrent containments")
    @ValueSource(ints = {2, 5})
    void contain_sameInstanceConcurrently_endsAsOneContainment_andReleaseRestoresOriginals(int runs, MotoEstate estate)
            throws Exception {
        Network net = estate.account().network();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(CALLS).build()) {
            String role = net.instanceProfile("shared-web");
            Instance instance = net.instance().interfaces(2).profile(role).launch();
            String id = instance.instanceId();
            String second = net.interfaces(id).stream().filter(n -> n.attachment().deviceIndex() == 1).findFirst()
                    .orElseThrow().networkInterfaceId();
            // Different originals per interface, so that a record swapped between interfaces would show.
            net.ec2().modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(second).groups(net.adminGroupId()));
            Map<String, List<String>> original = groupsById(net, id);

            List<ContainmentReport> reports = concurrently(runs, () -> engine.contain(net.arn(instance),
                    ContainmentOptions.defaults()));

            assertOneContainment(net, engine, instance, role, original, reports);
        }
    }

    /**
     * The interleaving the merge-before-write exists for: the late run reads the instance before the
     * first run has changed anything, and writes its record after the first run has finished (recorded,
     * moved, recorded again). Writing its record without taking in the first run's would drop what only
     * the first run learned (its snapshot set, the roles it denied); the re-read before writing keeps it.
     */
    @Test
    void contain_lateRunWritesItsRecordAfterTheFirstRunFinished_keepsTheFirstRunsRecord(MotoEstate estate)
            throws Exception {
        CountDownLatch firstDone = new CountDownLatch(1);
        CountDownLatch lateReadInstance = new CountDownLatch(1);
        ExecutionInterceptor gate = new ExecutionInterceptor() {
            private final AtomicBoolean held = new AtomicBoolean();

            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
                if (("CreateTags".equals(operation) || "ModifyNetworkInterfaceAttribute".equals(operation)
                        || "ModifyInstanceAttribute".equals(operation) || "CreateSnapshots".equals(operation)
                        || "PutRolePolicy".equals(operation)) && held.compareAndSet(false, true)) {
                    lateReadInstance.countDown();
                }
                if (held.get()) {
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
        Network net = estate.account().network();
        try (LockdownEngine first = TestEngine.builder(estate).interceptor(CALLS).build(); LockdownEngine late = TestEngine.builder(estate).interceptor(CALLS, gate).build()) {
            String role = net.instanceProfile("gated-web");
            Instance instance = net.instance().interfaces(2).profile(role).launch();
            String id = instance.instanceId();
            String second = net.interfaces(id).stream().filter(n -> n.attachment().deviceIndex() == 1).findFirst()
                    .orElseThrow().networkInterfaceId();
            net.ec2().modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(second).groups(net.adminGroupId()));
            Map<String, List<String>> original = groupsById(net, id);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<ContainmentReport> lateRun = pool.submit(() -> late.contain(net.arn(instance),
                        ContainmentOptions.defaults()));
                assertThat(lateReadInstance.await(120, TimeUnit.SECONDS)).isTrue();
                assertThat(net.tags(id)).as("the late run read the instance before any record").isEmpty();
                ContainmentReport firstRun;
                try {
                    firstRun = first.contain(net.arn(instance), ContainmentOptions.defaults());
                } finally {
                    firstDone.countDown();
                }
                List<String> firstSet = Ec2InstanceLockdownIT.record(net, instance).verified().orElseThrow().state().snapshots();
                ContainmentReport lateReport = lateRun.get(120, TimeUnit.SECONDS);

                assertOneContainment(net, first, instance, role, original, List.of(firstRun, lateReport),
                        recorded -> assertThat(recorded.snapshots()).as("the first run's set is kept in the record")
                                .containsAll(firstSet));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Ten instances on one instance profile contained at once, as ten SNS messages run ten functions:
     * every containment succeeds in its own run (no retry needed), every instance's credentials are
     * denied, and the VPC ends with exactly one group of each kind.
     */
    @Test
    void tenInstancesOnOneRole_containedAtOnce_allSucceed_andEveryOneIsDenied(MotoEstate estate) throws Exception {
        Network net = estate.account().network();
        String role = net.instanceProfile("fleet-web");
        List<Instance> instances = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            instances.add(net.instance().securityGroupIds(net.appGroupId()).profile(role).launch());
        }
        List<LockdownEngine> engines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            engines.add(TestEngine.builder(estate).interceptor(CALLS).build());
        }
        try {
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            List<ContainmentReport> reports = concurrently(10, () -> {
                int i = next.getAndIncrement();
                return engines.get(i).contain(net.arn(instances.get(i)),
                        ContainmentOptions.defaults().withSnapshot(false));
            });

            assertThat(reports).allSatisfy(r -> assertThat(r.outcome()).as(r.summary() + r.steps())
                    .isEqualTo(Outcome.SUCCEEDED));
            assertThat(Ec2InstanceLockdownIT.deniedOnRole(net, role)).containsExactlyInAnyOrderElementsOf(
                    instances.stream().map(net::arn).toList());
            assertThat(net.groupsNamed(ContainmentGroups.Kind.UNTRACKED.groupName)).hasSize(1);
            String untracked = net.groupsNamed(ContainmentGroups.Kind.UNTRACKED.groupName).get(0).groupId();
            instances.forEach(instance -> assertThat(groupsById(net, instance.instanceId()).values())
                    .allSatisfy(groups -> assertThat(groups).containsExactly(untracked)));

            List<ContainmentReport> isolated = concurrently(10, () -> {
                int i = next.getAndIncrement() - 10;
                return engines.get(i).isolate(net.arn(instances.get(i)), ContainmentOptions.defaults());
            });
            assertThat(isolated).allSatisfy(r -> assertThat(r.outcome()).as(r.summary() + r.steps())
                    .isEqualTo(Outcome.SUCCEEDED));
            assertThat(net.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName)).hasSize(1);
        } finally {
            engines.forEach(LockdownEngine::close);
        }
    }

    /** The end state of one containment, then a release that restores every interface's true originals. */
    static void assertOneContainment(Network net, LockdownEngine engine, Instance instance, String role,
            Map<String, List<String>> original, List<ContainmentReport> reports) {
        assertOneContainment(net, engine, instance, role, original, reports, recorded -> { });
    }

    static void assertOneContainment(Network net, LockdownEngine engine, Instance instance, String role,
            Map<String, List<String>> original, List<ContainmentReport> reports,
            java.util.function.Consumer<InstanceState> moreChecks) {
        String id = instance.instanceId();
        int runs = reports.size();
        for (ContainmentReport report : reports) {
            assertThat(report.outcome()).as(report.summary() + report.steps()).isEqualTo(Outcome.SUCCEEDED);
        }
        String untracked = Ec2InstanceLockdownIT.single(net.groupsNamed(ContainmentGroups.Kind.UNTRACKED.groupName))
                .groupId();
        assertThat(groupsById(net, id).values()).hasSize(2)
                .allSatisfy(groups -> assertThat(groups).containsExactly(untracked));

        InstanceState recorded = Ec2InstanceLockdownIT.record(net, instance).verified().orElseThrow().state();
        assertThat(recorded.interfaces().keySet()).containsExactlyInAnyOrderElementsOf(original.keySet());
        original.forEach((eni, groups) -> assertThat(recorded.interfaces().get(eni).groups()).as(eni)
                .containsExactlyInAnyOrderElementsOf(groups));
        assertThat(recorded.protection()).isEqualTo(new InstanceState.ProtectionState(false, false));
        assertThat(recorded.credentialRoles()).containsExactly(role);
        moreChecks.accept(recorded);

        assertThat(net.account().iam().listRolePolicies(b -> b.roleName(role)).policyNames())
                .containsExactly(CredentialDenyPolicy.perInstanceName(id));
        assertThat(Ec2InstanceLockdownIT.deniedOnRole(net, role)).containsExactly(net.arn(instance));

        int volumes = (int) instance.blockDeviceMappings().stream().filter(m -> m.ebs() != null).count();
        int snapshots = Ec2InstanceLockdownIT.evidence(net, id).size();
        // Each run takes its own set unless it found another's in the record first; between one set
        // and one set per run is accepted, and the count is printed for the record.
        System.out.printf("[concurrent-containment runs=%d] volumes=%d snapshots=%d%n", runs, volumes, snapshots);
        assertThat(snapshots).isBetween(volumes, volumes * runs);

        ContainmentReport phase2 = engine.isolate(net.arn(instance), ContainmentOptions.defaults());
        assertThat(phase2.outcome()).as(phase2.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
        ContainmentReport release = engine.release(net.arn(instance), ContainmentOptions.defaults());

        assertThat(release.outcome()).as(release.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
        Map<String, List<String>> restored = groupsById(net, id);
        original.forEach((eni, groups) -> assertThat(restored.get(eni)).as(eni)
                .containsExactlyInAnyOrderElementsOf(groups));
        assertThat(net.tags(id).keySet()).noneMatch(k -> k.startsWith(EntityRecords.PREFIX)
                && !k.startsWith(EntityRecords.RELEASED));
        assertThat(net.account().iam().listRolePolicies(b -> b.roleName(role)).policyNames()).isEmpty();
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

    static Map<String, List<String>> groupsById(Network net, String instanceId) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (NetworkInterface eni : net.interfaces(instanceId)) {
            groups.put(eni.networkInterfaceId(), eni.groups().stream().map(g -> g.groupId()).toList());
        }
        return groups;
    }

}
