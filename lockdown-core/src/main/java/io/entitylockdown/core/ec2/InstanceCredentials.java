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
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * Kills the instance-profile credentials of this instance, and only this instance's: an inline policy
 * on each role of its instance profile denies everything where {@code ec2:SourceInstanceARN} is this
 * instance ({@link CredentialDenyPolicy}). Stolen copies of those credentials die with it, wherever they
 * are used; other instances on the same profile keep working. Each instance has its own policy, so
 * containments of instances sharing a role never overwrite each other; the price is the role's inline
 * quota (41 contained instances per role with no other inline policy), beyond which the step fails and says to contain the
 * role itself.
 */
final class InstanceCredentials implements InstanceEffect {
    private final AtomicReference<List<Role>> roles = new AtomicReference<>();

    private List<Role> roles(InstanceRun run) {
        return roles.get() == null ? List.of() : roles.get();
    }

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
                return Verdict.of(own, own ? CredentialDenyPolicy.perInstanceName(run.id) + " denies them"
                        : CredentialDenyPolicy.perInstanceName(run.id) + " is missing or is not the lockdown's document");
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
                return Verdict.of(!own, own ? "still denied by " + CredentialDenyPolicy.perInstanceName(run.id)
                        : CredentialDenyPolicy.perInstanceName(run.id) + " is gone");
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
                denied.put(role.roleName(), ownPolicyInForce(run, role.roleName()));
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
        } catch (AwsServiceException e) {
            if ("LimitExceeded".equals(AwsErrors.code(e))) {
                throw new LockdownException(AwsErrors.describe(e, "iam:PutRolePolicy") + ". Role " + roleName
                        + " has no inline policy space left for " + name + " (IAM allows 10,240 characters of inline "
                        + "policy per role; this instance's policy takes " + CredentialDenyPolicy.quotaSize(document)
                        + "). This instance's credentials are "
                        + "NOT denied. If the instances on this role are compromised together, contain the role itself "
                        + "(lockdown contain " + io.entitylockdown.core.Shell.quote(roleArnOf(run, roleName))
                        + "); otherwise release contained instances that no longer need it, or remove the instance "
                        + "profile from this instance (aws ec2 disassociate-iam-instance-profile)", e);
            }
            throw e;
        }
        run.deniedOn(roleName);
        return StepOutcome.done("put " + name + " on role " + roleName + ": credentials it delivered to this "
                + "instance are denied everywhere; other instances of the role keep working");
    }

    private StepOutcome allow(InstanceRun run, String roleName) {
        String name = CredentialDenyPolicy.perInstanceName(run.id);
        if (policy(run, roleName, name).isEmpty()) {
            return StepOutcome.already("role " + roleName + " has no " + name + " any more");
        }
        if (run.dryRun()) {
            return StepOutcome.wouldDo("delete " + name + " from role " + roleName);
        }
        try {
            iam(run).deleteRolePolicy(b -> b.roleName(roleName).policyName(name));
        } catch (AwsServiceException e) {
            if (!"NoSuchEntity".equals(AwsErrors.code(e))) {
                throw e;
            }
        }
        return StepOutcome.done("deleted " + name + " from role " + roleName + ": the instance's credentials work again");
    }

    /** True when the per-instance policy is exactly the lockdown's for this instance. */
    private static boolean ownPolicyInForce(InstanceRun run, String roleName) {
        return policy(run, roleName, CredentialDenyPolicy.perInstanceName(run.id))
                .flatMap(CredentialDenyPolicy::instanceArns)
                .map(arns -> arns.equals(Set.of(run.entity().arn())))
                .orElse(false);
    }

    private String roleArnOf(InstanceRun run, String roleName) {
        return roles(run).stream().filter(r -> r.roleName().equals(roleName)).map(Role::arn).findFirst()
                .orElse(roleName);
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
