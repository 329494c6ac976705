package io.entitylockdown.core.ec2;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.Verdict;
import io.entitylockdown.core.strategy.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * Kills the instance-profile credentials of this instance, and only this instance's: an inline policy
 * on each role of its instance profile denies everything where {@code ec2:SourceInstanceARN} is this
 * instance ({@link CredentialDenyPolicy}). Stolen copies of those credentials die with it, wherever they
 * are used; other instances on the same profile keep working.
 */
final class InstanceCredentials implements InstanceEffect {
    /** Attempts at the shared list when the role's quota forces it (writers may overwrite each other there). */
    private static final int SHARED_ATTEMPTS = 6;

    private final AtomicReference<List<Role>> roles = new AtomicReference<>();

    @Override
    public Set<String> permissions() {
        return Set.of("iam:GetInstanceProfile", "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy");
    }

    @Override
    public void prepare(InstanceRun run) {
        if (run.instance.iamInstanceProfile() == null) {
            roles.set(List.of());
            return;
        }
        run.report.read("instance-profile-roles", "iam:GetInstanceProfile",
                "the instance's credentials are NOT denied; run again",
                () -> profileRoles(run)).ifPresent(roles::set);
    }

    @Override
    public void apply(InstanceRun run) {
        List<Role> found = roles.get();
        if (found == null) {
            return;
        }
        if (found.isEmpty()) {
            run.report.record("deny-credentials", "iam:PutRolePolicy", StepOutcome.skipped(
                    run.instance.iamInstanceProfile() == null
                            ? "the instance has no instance profile, so no credentials to deny"
                            : "the instance profile has no role, so no credentials to deny"), 0);
            return;
        }
        List<Parallel.Task> tasks = new ArrayList<>();
        for (Role role : found) {
            String step = "deny-credentials " + role.roleName();
            Optional<String> refusal = refusal(run, role.arn());
            if (refusal.isPresent()) {
                run.report.record(step, "iam:PutRolePolicy", StepOutcome.refused("role " + role.roleName()
                        + " was not changed: " + refusal.get()), 0);
                continue;
            }
            tasks.add(() -> run.report.step(step, "iam:PutRolePolicy", () -> deny(run, role.roleName())));
        }
        run.parallel().all(run.report, tasks);
    }

    @Override
    public void verify(InstanceRun run) {
        List<Role> found = roles.get();
        if (found == null) {
            return;
        }
        List<Parallel.Task> checks = new ArrayList<>();
        for (Role role : found) {
            if (refusal(run, role.arn()).isPresent()) {
                continue;
            }
            checks.add(() -> run.report.verify("credentials denied on role " + role.roleName(), () -> {
                boolean own = ownPolicyInForce(run, role.roleName());
                boolean shared = !own && listedInShared(run, role.roleName());
                return Verdict.of(own || shared, own ? CredentialDenyPolicy.perInstanceName(run.id) + " denies them"
                        : shared ? CredentialDenyPolicy.SHARED_NAME + " lists the instance"
                        : "no lockdown policy on the role denies this instance's credentials");
            }));
        }
        run.parallel().all(run.report, checks);
    }

    @Override
    public void undo(InstanceRun run, InstanceState recorded) {
        List<Parallel.Task> tasks = new ArrayList<>();
        for (String role : recorded.credentialRoles()) {
            tasks.add(() -> run.report.step("allow-credentials " + role, "iam:DeleteRolePolicy", () -> allow(run, role)));
        }
        run.parallel().all(run.report, tasks);
    }

    @Override
    public void verifyUndone(InstanceRun run, InstanceState recorded) {
        List<Parallel.Task> checks = new ArrayList<>();
        for (String role : recorded.credentialRoles()) {
            checks.add(() -> run.report.verify("credentials allowed on role " + role, () -> {
                boolean own = policy(run, role, CredentialDenyPolicy.perInstanceName(run.id)).isPresent();
                boolean shared = listedInShared(run, role);
                return Verdict.of(!own && !shared, own ? "still denied by " + CredentialDenyPolicy.perInstanceName(run.id)
                        : shared ? "still listed in " + CredentialDenyPolicy.SHARED_NAME : "no lockdown policy lists it");
            }));
        }
        run.parallel().all(run.report, checks);
    }

    @Override
    public void status(InstanceRun run) {
        if (run.instance.iamInstanceProfile() == null) {
            run.report.state("credentialsDenied", java.util.Map.of());
            return;
        }
        run.report.produce("credentials", "iam:GetRolePolicy", () -> {
            java.util.Map<String, Boolean> denied = new java.util.TreeMap<>();
            for (Role role : profileRoles(run)) {
                denied.put(role.roleName(), ownPolicyInForce(run, role.roleName()) || listedInShared(run, role.roleName()));
            }
            run.report.state("credentialsDenied", denied);
            return io.entitylockdown.core.report.Produced.done(denied, "read the lockdown policies of " + denied.size()
                    + " role(s)");
        });
    }

    private StepOutcome deny(InstanceRun run, String roleName) {
        String name = CredentialDenyPolicy.perInstanceName(run.id);
        String document = CredentialDenyPolicy.document(List.of(run.entity().arn()));
        if (run.dryRun()) {
            return ownPolicyInForce(run, roleName)
                    ? StepOutcome.already(name + " on role " + roleName + " denies this instance's credentials")
                    : StepOutcome.wouldDo("put " + name + " on role " + roleName + " (deny everything where "
                            + CredentialDenyPolicy.CONDITION_KEY + " is this instance)");
        }
        try {
            iam(run).putRolePolicy(b -> b.roleName(roleName).policyName(name).policyDocument(document));
            run.deniedOn(roleName);
            return StepOutcome.done("put " + name + " on role " + roleName + ": credentials it delivered to this "
                    + "instance are denied everywhere; other instances of the role keep working");
        } catch (AwsServiceException e) {
            if (!"LimitExceeded".equals(AwsErrors.code(e))) {
                throw e;
            }
        }
        StepOutcome shared = addToShared(run, roleName);
        run.deniedOn(roleName);
        return shared;
    }

    /**
     * The role's inline quota has no room for one more policy: the instance goes into the shared list,
     * read, extended and written, then read again after a random pause and written again while it is
     * missing (another writer may have overwritten the list).
     */
    private StepOutcome addToShared(InstanceRun run, String roleName) {
        String arn = run.entity().arn();
        for (int attempt = 1; attempt <= SHARED_ATTEMPTS; attempt++) {
            Set<String> listed = new TreeSet<>(sharedList(run, roleName).orElse(Set.of()));
            if (listed.contains(arn) && attempt > 1) {
                return StepOutcome.done("the inline quota of role " + roleName + " has no room for "
                        + CredentialDenyPolicy.perInstanceName(run.id) + "; the instance was added to the shared "
                        + CredentialDenyPolicy.SHARED_NAME + " (" + listed.size() + " instance(s) listed)");
            }
            listed.add(arn);
            String document = CredentialDenyPolicy.document(listed);
            iam(run).putRolePolicy(b -> b.roleName(roleName).policyName(CredentialDenyPolicy.SHARED_NAME)
                    .policyDocument(document));
            try {
                Thread.sleep(100 + ThreadLocalRandom.current().nextInt(400));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new LockdownException("Role " + roleName + " has no inline policy space left for "
                + CredentialDenyPolicy.perInstanceName(run.id) + ", and the shared " + CredentialDenyPolicy.SHARED_NAME
                + " kept changing under concurrent containments. This instance's credentials are NOT denied: run the "
                + "containment again, release contained instances that are no longer needed, or remove the instance "
                + "profile from this instance (aws ec2 disassociate-iam-instance-profile)");
    }

    private StepOutcome allow(InstanceRun run, String roleName) {
        String name = CredentialDenyPolicy.perInstanceName(run.id);
        boolean own = policy(run, roleName, name).isPresent();
        Optional<Set<String>> shared = sharedList(run, roleName);
        boolean listed = shared.map(s -> s.contains(run.entity().arn())).orElse(false);
        if (!own && !listed) {
            return StepOutcome.already("no lockdown policy on role " + roleName + " denies this instance any more");
        }
        if (run.dryRun()) {
            return StepOutcome.wouldDo("delete " + name + " from role " + roleName + (listed ? " and take the instance out "
                    + "of " + CredentialDenyPolicy.SHARED_NAME : ""));
        }
        if (own) {
            iam(run).deleteRolePolicy(b -> b.roleName(roleName).policyName(name));
        }
        if (listed) {
            Set<String> left = new TreeSet<>(shared.get());
            left.remove(run.entity().arn());
            if (left.isEmpty()) {
                iam(run).deleteRolePolicy(b -> b.roleName(roleName).policyName(CredentialDenyPolicy.SHARED_NAME));
            } else {
                String document = CredentialDenyPolicy.document(left);
                iam(run).putRolePolicy(b -> b.roleName(roleName).policyName(CredentialDenyPolicy.SHARED_NAME)
                        .policyDocument(document));
            }
        }
        return StepOutcome.done((own ? "deleted " + name + " from role " + roleName : "")
                + (own && listed ? "; " : "") + (listed ? "took the instance out of " + CredentialDenyPolicy.SHARED_NAME
                + " on role " + roleName : ""));
    }

    /** True when the per-instance policy is exactly the lockdown's for this instance. */
    private static boolean ownPolicyInForce(InstanceRun run, String roleName) {
        return policy(run, roleName, CredentialDenyPolicy.perInstanceName(run.id))
                .flatMap(CredentialDenyPolicy::instanceArns)
                .map(arns -> arns.equals(Set.of(run.entity().arn())))
                .orElse(false);
    }

    private static boolean listedInShared(InstanceRun run, String roleName) {
        return sharedList(run, roleName).map(s -> s.contains(run.entity().arn())).orElse(false);
    }

    private static Optional<Set<String>> sharedList(InstanceRun run, String roleName) {
        return policy(run, roleName, CredentialDenyPolicy.SHARED_NAME).flatMap(CredentialDenyPolicy::instanceArns);
    }

    private static Optional<String> policy(InstanceRun run, String roleName, String policyName) {
        try {
            return Optional.of(iam(run).getRolePolicy(b -> b.roleName(roleName).policyName(policyName)).policyDocument());
        } catch (AwsServiceException e) {
            if ("NoSuchEntity".equals(AwsErrors.code(e))) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static List<Role> profileRoles(InstanceRun run) {
        String profileArn = run.instance.iamInstanceProfile().arn();
        String name = profileArn.substring(profileArn.lastIndexOf('/') + 1);
        return iam(run).getInstanceProfile(b -> b.instanceProfileName(name)).instanceProfile().roles();
    }

    private static Optional<String> refusal(InstanceRun run, String roleArn) {
        try {
            return run.ctx.guardrails().refusal(EntityArn.parse(roleArn));
        } catch (InvalidArnException e) {
            return Optional.of("its ARN " + roleArn + " could not be checked against the guardrails: " + e.getMessage());
        }
    }

    private static IamClient iam(InstanceRun run) {
        return run.ctx.session().iam();
    }
}
