package io.entitylockdown.core.ec2;

import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.report.Verdict;
import io.entitylockdown.core.strategy.Parallel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterface;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;

/**
 * The network of a contained instance, in two phases, on every interface (a second interface in
 * another subnet is as good a way out as the first):
 *
 * <ol>
 *   <li>the shortest idle timeouts, then the VPC's untracked group (all traffic both ways, so no flow is
 *       tracked any more);</li>
 *   <li>after the window, the isolation group (no rule at all): untracked flows stop at once.</li>
 * </ol>
 *
 * <p>The primary interface's groups are set with ModifyNetworkInterfaceAttribute and, when the instance
 * reports instance-level groups, with ModifyInstanceAttribute too: on AWS both set the same thing; an
 * emulator that keeps them apart (moto) would otherwise add the instance's launch-time groups to every
 * interface again. Interfaces count as contained by the group ids found in this VPC, never by names.
 */
final class NetworkPhases implements InstanceEffect {
    private final AtomicReference<Map<ContainmentGroups.Kind, List<SecurityGroup>>> found = new AtomicReference<>();
    private final AtomicReference<String> untracked = new AtomicReference<>();
    private final AtomicReference<String> isolation = new AtomicReference<>();

    @Override
    public Set<String> permissions() {
        return Set.of("ec2:ModifyNetworkInterfaceAttribute", "ec2:ModifyInstanceAttribute",
                "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:CreateTags");
    }

    /**
     * Wave 1: the shortest idle timeouts on every interface (the first containing writes: they need no
     * prior read beyond DescribeInstances), and the VPC's containment groups found. The original groups
     * of every interface not yet in a containment group are noted for the record.
     */
    @Override
    public void prepare(InstanceRun run) {
        prepare(run, new io.entitylockdown.core.aws.SendSignal());
    }

    /**
     * Wave 1, with {@code firstWrite} fired when the first interface's timeouts are on their way (or at
     * once when none needs setting), so that the effects' reads start after the first containing write.
     */
    void prepare(InstanceRun run, io.entitylockdown.core.aws.SendSignal firstWrite) {
        List<Parallel.Task> tasks = new ArrayList<>();
        tasks.add(() -> run.report.read("find-containment-groups", "ec2:DescribeSecurityGroups",
                "the interfaces keep their groups; run again", () -> groups(run).findAll()).ifPresent(found::set));
        ConnectionTracking tracking = new ConnectionTracking(run.ec2);
        List<String> shortenedBefore = run.recorded().map(InstanceState::shortened).orElse(List.of());
        List<Parallel.Task> writes = new ArrayList<>();
        for (InstanceNetworkInterface eni : run.interfaces) {
            String eniId = eni.networkInterfaceId();
            writes.add(() -> {
                try {
                    var result = run.report.step("connection-tracking " + eniId, "ec2:ModifyNetworkInterfaceAttribute",
                            () -> tracking.shorten(eniId, ConnectionTracking.describe(eni.connectionTrackingConfiguration()),
                                    shortenedBefore.contains(eniId), run.dryRun(), firstWrite::attach));
                    if (result.status() == StepStatus.DONE || result.status() == StepStatus.ALREADY) {
                        run.shortenedTimeouts(eniId);
                    }
                } finally {
                    firstWrite.release();
                }
            });
        }
        if (writes.isEmpty()) {
            firstWrite.release();
        }
        // the timeouts first; the groups' read the moment one of them is on its way
        List<java.util.concurrent.Future<?>> started = new ArrayList<>();
        writes.forEach(w -> started.add(run.parallel().start(run.report, w)));
        firstWrite.awaitSent();
        run.parallel().all(run.report, tasks);
        run.parallel().join(run.report, started);
        noteOriginals(run, run.interfaces);
    }

    /**
     * Notes, for the record, each interface's groups other than the containment groups (an interface
     * attached during the window can show both: where instance-level groups are added to every interface,
     * as in moto); an interface in containment groups only has nothing to note.
     */
    void noteOriginals(InstanceRun run, List<InstanceNetworkInterface> interfaces) {
        Set<String> ours = containmentGroupIds();
        for (InstanceNetworkInterface eni : interfaces) {
            List<String> groups = eni.groups().stream()
                    .filter(g -> !ours.contains(g.groupId()) && !ContainmentGroups.isContainmentGroupName(g.groupName()))
                    .map(g -> g.groupId()).toList();
            if (!groups.isEmpty()) {
                run.sawInterface(eni.networkInterfaceId(), groups,
                        ConnectionTracking.describe(eni.connectionTrackingConfiguration()));
            }
        }
    }

    /**
     * Wave 2: both groups exist with exactly their rules, before anything is opened: the interfaces go
     * to the all-open untracked group only when the group that closes them again is there too.
     */
    @Override
    public void apply(InstanceRun run) {
        // the groups were read in wave 1 (prepare); when that read failed each ensure reads them again
        run.parallel().all(run.report, List.of(() -> ensure(run, ContainmentGroups.Kind.UNTRACKED, untracked),
                () -> ensure(run, ContainmentGroups.Kind.ISOLATION, isolation)));
    }

    /** True when both groups are ready, so the interfaces may be opened (and closed again). */
    boolean readyToOpen() {
        return untracked.get() != null && isolation.get() != null;
    }

    /**
     * Phase 1: every interface that is not isolated yet moves to the untracked group.
     *
     * @return true when at least one interface moved (the network was opened)
     */
    boolean open(InstanceRun run) {
        return move(run, run.interfaces, ContainmentGroups.Kind.UNTRACKED, untracked.get()).anyMoved();
    }

    /**
     * Phase 2: the isolation group ensured, and every interface moved into it, whatever it is in now.
     *
     * @return true only when every interface is in the isolation group now (moved or already there)
     */
    boolean isolate(InstanceRun run, List<InstanceNetworkInterface> interfaces) {
        if (isolation.get() == null) {
            ensure(run, ContainmentGroups.Kind.ISOLATION, isolation);
        }
        if (isolation.get() == null) {
            if (!run.dryRun()) {
                interfaces.forEach(eni -> run.report.record("isolate " + eni.networkInterfaceId(),
                        "ec2:ModifyNetworkInterfaceAttribute", StepOutcome.failed("the isolation group is not available "
                                + "(see step isolation-group); " + eni.networkInterfaceId() + " keeps its groups"), 0));
            }
            return false;
        }
        return move(run, interfaces, ContainmentGroups.Kind.ISOLATION, isolation.get()).allInPlace();
    }

    /** What a move did: whether any interface moved, and whether every one is in the group now. */
    private record Moved(boolean anyMoved, boolean allInPlace) {
    }

    private void ensure(InstanceRun run, ContainmentGroups.Kind kind, AtomicReference<String> into) {
        String step = kind == ContainmentGroups.Kind.UNTRACKED ? "untracked-group" : "isolation-group";
        run.report.produce(step, "ec2:CreateSecurityGroup", () -> {
            ContainmentGroups groups = groups(run);
            Map<ContainmentGroups.Kind, List<SecurityGroup>> known = found.get();
            if (known == null) {
                known = groups.findAll();
                found.set(known);
            }
            List<SecurityGroup> ofKind = known.get(kind);
            SecurityGroup existing = ofKind.isEmpty() ? null : ofKind.get(0);
            if (run.dryRun()) {
                if (existing == null) {
                    return io.entitylockdown.core.report.Produced.of(StepOutcome.wouldDo("create " + kind.groupName
                            + " in " + run.vpcId), null);
                }
                into.set(existing.groupId());
                var difference = ContainmentGroups.difference(existing, kind);
                return io.entitylockdown.core.report.Produced.of(difference.none()
                        ? StepOutcome.already(kind.groupName + " is " + existing.groupId() + " with exactly its rules")
                        : StepOutcome.wouldDo("repair " + existing.groupId() + " (remove " + difference.extra()
                                + ", add " + difference.missing() + ")"), existing.groupId());
            }
            ContainmentGroups.Group group = groups.ensure(kind, ofKind);
            into.set(group.id());
            return group.changed()
                    ? io.entitylockdown.core.report.Produced.done(group.id(), kind.groupName + " " + group.id() + ": "
                            + group.change())
                    : io.entitylockdown.core.report.Produced.already(group.id(), kind.groupName + " is " + group.id()
                            + " with exactly its rules");
        });
    }

    private Moved move(InstanceRun run, List<InstanceNetworkInterface> interfaces, ContainmentGroups.Kind kind,
            String groupId) {
        String verb = kind == ContainmentGroups.Kind.UNTRACKED ? "untracked " : "isolate ";
        String isolationId = isolationId();
        List<Parallel.Task> tasks = new ArrayList<>();
        AtomicReference<Boolean> moved = new AtomicReference<>(false);
        AtomicReference<Boolean> allInPlace = new AtomicReference<>(true);
        for (InstanceNetworkInterface eni : interfaces) {
            String eniId = eni.networkInterfaceId();
            tasks.add(() -> {
                var result = run.report.step(verb + eniId, "ec2:ModifyNetworkInterfaceAttribute", () -> {
                    List<String> current = InstanceRun.groupIds(eni.groups());
                    if (kind == ContainmentGroups.Kind.UNTRACKED && isolationId != null
                            && current.equals(List.of(isolationId))) {
                        return StepOutcome.already(eniId + " is already isolated (phase 2 done)");
                    }
                    if (groupId == null) {
                        return run.dryRun()
                                ? StepOutcome.wouldDo("move " + eniId + " to the new group " + kind.groupName)
                                : StepOutcome.failed("the " + kind.groupName + " group is not available; " + eniId
                                        + " keeps its groups");
                    }
                    return replace(run, eni, List.of(groupId), "only " + kind.groupName + " " + groupId);
                });
                if (result.status() == StepStatus.DONE) {
                    moved.set(true);
                } else if (result.status() != StepStatus.ALREADY) {
                    allInPlace.set(false);
                }
            });
        }
        run.parallel().all(run.report, tasks);
        return new Moved(moved.get(), allInPlace.get());
    }

    /** Sets exactly these groups on the interface (and on the instance, for the primary interface). */
    private static StepOutcome replace(InstanceRun run, InstanceNetworkInterface eni, List<String> groups, String what)
            throws Exception {
        String id = eni.networkInterfaceId();
        List<String> current = InstanceRun.groupIds(eni.groups());
        boolean alsoInstance = run.isPrimary(eni) && run.hasInstanceLevelGroups()
                && !sameSet(InstanceRun.groupIds(run.instance.securityGroups()), groups);
        if (sameSet(current, groups) && !alsoInstance) {
            return StepOutcome.already(id + " already has " + what);
        }
        if (run.dryRun()) {
            return StepOutcome.wouldDo("replace the groups " + current + " of " + id + " with " + what);
        }
        List<Parallel.Task> calls = new ArrayList<>();
        calls.add(() -> run.ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(id).groups(groups)));
        if (alsoInstance) {
            calls.add(() -> {
                try {
                    run.ec2.modifyInstanceAttribute(b -> b.instanceId(run.id).groups(groups));
                } catch (Ec2Exception e) {
                    if (!severalInterfaces(e)) {
                        throw e;
                    }
                    // AWS keeps groups per interface only and refuses the instance-level call on an
                    // instance with several interfaces; the interface call above is the whole change there
                }
            });
        }
        run.parallel().calls(calls);
        return StepOutcome.done(id + ": groups " + current + " replaced with " + what);
    }

    /**
     * AWS's answer to ModifyInstanceAttribute --groups on an instance with more than one interface
     * (InvalidInstanceID, "There are multiple interfaces attached to instance ..."). moto accepts the call
     * and needs it, because it keeps instance-level groups apart from the interfaces' (docs/testing.md).
     */
    static boolean severalInterfaces(Ec2Exception e) {
        var details = e.awsErrorDetails();
        return details != null && "InvalidInstanceID".equals(details.errorCode()) && details.errorMessage() != null
                && details.errorMessage().toLowerCase(java.util.Locale.ROOT).contains("multiple interfaces");
    }

    /** After phase 1: every interface in the untracked (or already the isolation) group, timeouts short. */
    @Override
    public void verify(InstanceRun run) {
        String untrackedId = untracked.get();
        String isolationId = isolationId();
        run.report.verify(ContainmentGroups.Kind.UNTRACKED.groupName + " rules", () -> rules(run,
                ContainmentGroups.Kind.UNTRACKED));
        List<InstanceNetworkInterface> now;
        try {
            now = describe(run).networkInterfaces();
        } catch (RuntimeException e) {
            run.report.verify("network read-back", () -> {
                throw e;
            });
            return;
        }
        for (InstanceNetworkInterface eni : now) {
            String eniId = eni.networkInterfaceId();
            List<String> groups = InstanceRun.groupIds(eni.groups());
            run.report.check("interface " + eniId + " contained", groups.equals(List.of(untrackedId))
                    || isolationId != null && groups.equals(List.of(isolationId)), "groups are " + groups);
            boolean refused = run.report.steps().stream().anyMatch(s -> s.status() == StepStatus.SKIPPED
                    && s.step().equals("connection-tracking " + eniId));
            String tracking = ConnectionTracking.describe(eni.connectionTrackingConfiguration());
            if (refused) {
                continue;
            }
            if (tracking.isEmpty()) {
                run.report.note("EC2 did not report the idle timeouts of " + eniId
                        + " after setting them; they could not be verified.");
            } else {
                run.report.check("interface " + eniId + " idle timeouts", tracking.equals(ConnectionTracking.SHORTEST),
                        "TCP established, UDP stream, UDP = " + tracking);
            }
        }
        Set<String> moved = new TreeSet<>();
        run.interfaces.forEach(n -> moved.add(n.networkInterfaceId()));
        now.stream().filter(n -> !moved.contains(n.networkInterfaceId())).forEach(n -> run.report.note(
                "Interface " + n.networkInterfaceId() + " was attached while this containment ran; phase 2 isolates it."));
    }

    /** After phase 2: the isolation group has no rule and every interface has it alone. */
    void verifyIsolated(InstanceRun run) {
        if (isolation.get() == null || run.dryRun()) {
            return;
        }
        run.report.verify(ContainmentGroups.Kind.ISOLATION.groupName + " rules", () -> rules(run,
                ContainmentGroups.Kind.ISOLATION));
        run.report.verify("every interface of " + run.id + " isolated", () -> {
            Map<String, List<String>> groups = new LinkedHashMap<>();
            describe(run).networkInterfaces().forEach(n -> groups.put(n.networkInterfaceId(),
                    InstanceRun.groupIds(n.groups())));
            boolean ok = !groups.isEmpty() && groups.values().stream().allMatch(g -> g.equals(List.of(isolation.get())));
            return Verdict.of(ok || groups.isEmpty(), groups.isEmpty() ? "no interface attached" : "groups are " + groups);
        });
    }

    @Override
    public void undo(InstanceRun run, InstanceState recorded) {
        ConnectionTracking tracking = new ConnectionTracking(run.ec2);
        Map<String, InstanceNetworkInterface> current = new LinkedHashMap<>();
        run.interfaces.forEach(n -> current.put(n.networkInterfaceId(), n));
        List<Parallel.Task> tasks = new ArrayList<>();
        recorded.interfaces().forEach((eniId, original) -> {
            InstanceNetworkInterface eni = current.get(eniId);
            tasks.add(() -> run.report.step("restore-groups " + eniId, "ec2:ModifyNetworkInterfaceAttribute", () -> {
                if (eni == null) {
                    return restoreDetached(run, eniId, original.groups());
                }
                return replace(run, eni, original.groups(), "its original groups " + original.groups());
            }));
            tasks.add(() -> run.report.step("restore-connection-tracking " + eniId, "ec2:ModifyNetworkInterfaceAttribute",
                    () -> eni == null ? StepOutcome.skipped(eniId + " is no longer attached; its idle timeouts were left "
                            + "as they are") : tracking.restore(eniId,
                            ConnectionTracking.describe(eni.connectionTrackingConfiguration()), original.tracking(),
                            run.dryRun())));
        });
        run.parallel().all(run.report, tasks);
    }

    /** An interface detached since containment: restore its groups by id if it still exists. */
    private static StepOutcome restoreDetached(InstanceRun run, String eniId, List<String> groups) {
        Optional<NetworkInterface> eni = run.ec2.describeNetworkInterfaces(b -> b.filters(
                Filter.builder().name("network-interface-id").values(eniId).build())).networkInterfaces().stream()
                .findFirst();
        if (eni.isEmpty()) {
            return StepOutcome.skipped(eniId + " no longer exists; nothing to restore");
        }
        List<String> current = eni.get().groups().stream().map(g -> g.groupId()).toList();
        if (sameSet(current, groups)) {
            return StepOutcome.already(eniId + " (no longer attached) already has its original groups " + groups);
        }
        if (run.dryRun()) {
            return StepOutcome.wouldDo("replace the groups " + current + " of " + eniId + " with " + groups);
        }
        run.ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(eniId).groups(groups));
        return StepOutcome.done(eniId + " (no longer attached): groups " + current + " replaced with its original "
                + "groups " + groups);
    }

    /**
     * After release: every recorded interface has its original groups again and no containment group.
     * Groups beyond the original ones are tolerated (someone may have added one since; an emulator
     * that adds instance-level groups to every interface, as moto does, shows them there).
     */
    @Override
    public void verifyUndone(InstanceRun run, InstanceState recorded) {
        run.report.verify("interfaces restored", () -> {
            Map<String, List<software.amazon.awssdk.services.ec2.model.GroupIdentifier>> now = new LinkedHashMap<>();
            describe(run).networkInterfaces().forEach(n -> now.put(n.networkInterfaceId(), n.groups()));
            List<String> wrong = new ArrayList<>();
            recorded.interfaces().forEach((eniId, original) -> {
                var groups = now.get(eniId);
                if (groups == null) {
                    return;
                }
                List<String> ids = InstanceRun.groupIds(groups);
                boolean contained = groups.stream().anyMatch(g -> ContainmentGroups.isContainmentGroupName(g.groupName()));
                if (contained || !ids.containsAll(original.groups())) {
                    wrong.add(eniId + " has " + ids + ", not " + original.groups());
                }
            });
            return Verdict.of(wrong.isEmpty(), wrong.isEmpty() ? "every recorded interface has its original groups "
                    + "again and no containment group" : String.join("; ", wrong));
        });
    }

    @Override
    public void status(InstanceRun run) {
        Map<String, Object> interfaces = new LinkedHashMap<>();
        for (InstanceNetworkInterface eni : run.interfaces) {
            interfaces.put(eni.networkInterfaceId(), eni.groups().stream()
                    .map(g -> g.groupId() + " (" + g.groupName() + ")").toList());
        }
        run.report.state("interfaces", interfaces);
        run.report.state("networkPhase", phase(run.interfaces));
    }

    /** The network phase of an instance, from its interfaces' group names (for people; never decides anything). */
    static String phase(List<InstanceNetworkInterface> interfaces) {
        if (interfaces.isEmpty()) {
            return "no interfaces";
        }
        if (interfaces.stream().allMatch(n -> only(n, ContainmentGroups.Kind.ISOLATION))) {
            return "isolated (phase 2)";
        }
        if (interfaces.stream().allMatch(n -> only(n, ContainmentGroups.Kind.UNTRACKED))) {
            return "untracked (phase 1)";
        }
        return interfaces.stream().anyMatch(NetworkPhases::inContainmentGroupByName) ? "mixed" : "open";
    }

    private static boolean only(InstanceNetworkInterface eni, ContainmentGroups.Kind kind) {
        return eni.groups().size() == 1 && kind.groupName.equals(eni.groups().get(0).groupName());
    }

    private static boolean inContainmentGroupByName(InstanceNetworkInterface eni) {
        return eni.groups().stream().anyMatch(g -> ContainmentGroups.isContainmentGroupName(g.groupName()));
    }

    private Set<String> containmentGroupIds() {
        Set<String> ids = new TreeSet<>();
        Map<ContainmentGroups.Kind, List<SecurityGroup>> known = found.get();
        if (known != null) {
            known.values().forEach(list -> list.forEach(g -> ids.add(g.groupId())));
        }
        if (untracked.get() != null) {
            ids.add(untracked.get());
        }
        if (isolation.get() != null) {
            ids.add(isolation.get());
        }
        return ids;
    }

    private String isolationId() {
        if (isolation.get() != null) {
            return isolation.get();
        }
        Map<ContainmentGroups.Kind, List<SecurityGroup>> known = found.get();
        return known == null || known.get(ContainmentGroups.Kind.ISOLATION).isEmpty() ? null
                : known.get(ContainmentGroups.Kind.ISOLATION).get(0).groupId();
    }

    private static Verdict rules(InstanceRun run, ContainmentGroups.Kind kind) {
        Optional<SecurityGroup> group = groups(run).find(kind);
        if (group.isEmpty()) {
            return Verdict.fail("the group does not exist");
        }
        var difference = ContainmentGroups.difference(group.get(), kind);
        return Verdict.of(difference.none(), difference.none() ? group.get().groupId() + " has exactly "
                + (kind.rules.isEmpty() ? "no rules" : kind.rules.toString())
                : "extra " + difference.extra() + ", missing " + difference.missing());
    }

    static Instance describe(InstanceRun run) {
        return run.ec2.describeInstances(b -> b.instanceIds(run.id)).reservations().get(0).instances().get(0);
    }

    private static ContainmentGroups groups(InstanceRun run) {
        return new ContainmentGroups(run.ec2, run.vpcId);
    }

    static boolean sameSet(List<String> a, List<String> b) {
        return new TreeSet<>(a).equals(new TreeSet<>(b)) && a.size() == b.size();
    }
}
