package io.entitylockdown.core.iam;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.Shell;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.report.Verdict;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * Contains one session of a role ({@code arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION}) and nothing
 * else: one inline policy on the role ({@link RoleSessionPolicy}) denies everything to requests whose
 * {@code aws:userid} is that session's. Other sessions of the role keep working, so a role shared by
 * a fleet or a pipeline is not taken down for one stolen session.
 *
 * <p>The policy is the whole effect, so there is no record on the role: release removes the policy when
 * it is exactly the lockdown's, and status reads it. The first wave reads the role (its unique id goes
 * into the condition) and the policy at once; the write follows in the second round trip.
 */
public final class RoleSessionLockdown implements ContainmentStrategy {
    /** All of these are granted to the member role for role containment already. */
    public static final Set<String> PERMISSIONS = Set.of("iam:GetRole", "iam:GetRolePolicy", "iam:PutRolePolicy",
            "iam:DeleteRolePolicy");
    private static final Pattern INSTANCE_ID = Pattern.compile("i-([0-9a-f]{8}|[0-9a-f]{17})");

    @Override
    public EntityType type() {
        return EntityType.ROLE_SESSION;
    }

    @Override
    public Set<String> permissions() {
        return PERMISSIONS;
    }

    @Override
    public void contain(EntityContext ctx) {
        Session session = new Session(ctx);
        Optional<Found> found = session.find();
        if (found.isEmpty()) {
            return;
        }
        Found role = found.get();
        ReportBuilder report = ctx.report();
        Optional<String> refusal = roleRefusal(ctx, role);
        if (refusal.isPresent()) {
            report.record("guardrail", "", StepOutcome.refused(refusal.get()), 0);
            return;
        }
        session.describe(role);
        String document = RoleSessionPolicy.document(role.id(), session.name);
        boolean inForce = role.policy().map(d -> RoleSessionPolicy.isExactly(d, role.id(), session.name)).orElse(false);
        Optional<String> other = role.policy().flatMap(RoleSessionPolicy::deniedUserId)
                .filter(id -> !id.equals(session.userId(role)));
        if (other.isPresent() && other.get().equalsIgnoreCase(session.userId(role))) {
            // IAM may not tell policy names apart by case: writing would lift the other session's deny
            report.record("deny-session", "iam:PutRolePolicy", StepOutcome.failed("the policy " + session.policyName
                    + " on role " + session.role + " already denies another session whose name differs only in case ("
                    + other.get() + "); it was not replaced, so that session stays denied. Contain the whole role "
                    + "instead: lockdown contain " + Shell.quote(role.arn())), 0);
            return;
        }
        String replaced = role.policy().isPresent() && !inForce
                ? " (a policy of that name was there but was not the lockdown's document: replaced)" : "";
        String what = "requests of session " + session.name + " (aws:userid " + session.userId(role) + ") are denied";
        var denied = report.step("deny-session", "iam:PutRolePolicy", () -> {
            if (inForce) {
                return StepOutcome.already(session.policyName + " on role " + session.role + ": " + what);
            }
            if (ctx.dryRun()) {
                return StepOutcome.wouldDo("put " + session.policyName + " on role " + session.role + " so that " + what
                        + replaced);
            }
            try {
                session.iam.putRolePolicy(b -> b.roleName(session.role).policyName(session.policyName)
                        .policyDocument(document));
            } catch (RuntimeException e) {
                if ("LimitExceeded".equals(AwsErrors.code(e))) {
                    return StepOutcome.failed("the inline policy quota of role " + session.role + " is full ("
                            + AwsErrors.describe(e, "iam:PutRolePolicy") + "), so this session cannot be denied on its "
                            + "own. Contain the whole role instead: lockdown contain " + Shell.quote(role.arn()));
                }
                throw e;
            }
            return StepOutcome.done("put " + session.policyName + " on role " + session.role + ": " + what + replaced);
        });
        if (!ctx.dryRun() && (denied.status() == StepStatus.DONE || denied.status() == StepStatus.ALREADY)) {
            report.verify("session " + session.name + " of role " + session.role + " denied", () -> {
                Optional<String> now = session.policy();
                boolean exact = now.map(d -> RoleSessionPolicy.isExactly(d, role.id(), session.name)).orElse(false);
                return Verdict.of(exact, exact ? session.policyName + " denies aws:userid " + session.userId(role)
                        : session.policyName + (now.isEmpty() ? " is missing" : " is not the lockdown's document"));
            });
        }
    }

    @Override
    public void release(EntityContext ctx) {
        Session session = new Session(ctx);
        Optional<Found> found = session.find();
        if (found.isEmpty()) {
            return;
        }
        Found role = found.get();
        ReportBuilder report = ctx.report();
        if (role.policy().isEmpty()) {
            String absent = "session " + session.name + " of role " + session.role + " is not contained by Entity "
                    + "Lockdown (there is no " + session.policyName + " on the role); nothing was changed";
            report.record("release", "", StepOutcome.skipped(absent), 0);
            report.note("Nothing to release: " + absent + ".");
            return;
        }
        if (!RoleSessionPolicy.isExactly(role.policy().get(), role.id(), session.name)) {
            report.record("lift-session-deny", "iam:DeleteRolePolicy", StepOutcome.failed("the policy "
                    + session.policyName + " on role " + session.role + " is not the lockdown's document for this session "
                    + "(edited, planted, or written for an earlier role of that name); it was not removed, because the "
                    + "lockdown never removes a deny it cannot prove it wrote. Follow the manual steps in the notes"), 0);
            String name = Shell.quote(session.role);
            report.note("Manual release of session " + session.name + ": read the policy and decide: aws iam "
                    + "get-role-policy --role-name " + name + " --policy-name " + session.policyName + "; to remove it: "
                    + "aws iam delete-role-policy --role-name " + name + " --policy-name " + session.policyName + ".");
            return;
        }
        var lifted = report.step("lift-session-deny", "iam:DeleteRolePolicy", () -> {
            if (ctx.dryRun()) {
                return StepOutcome.wouldDo("delete " + session.policyName + " from role " + session.role
                        + ": session " + session.name + " would no longer be denied");
            }
            session.iam.deleteRolePolicy(b -> b.roleName(session.role).policyName(session.policyName));
            return StepOutcome.done("deleted " + session.policyName + " from role " + session.role + ": session "
                    + session.name + " is no longer denied");
        });
        if (lifted.status() == StepStatus.DONE) {
            report.verify(session.policyName + " removed from role " + session.role, () -> {
                boolean gone = session.policy().isEmpty();
                return Verdict.of(gone, gone ? "not on the role any more" : "still on the role");
            });
            report.note("Credentials of session " + session.name + " that have not expired work again: sessions of role "
                    + session.role + " last at most " + hours(role.maxSessionSeconds()) + ". If the attacker may still "
                    + "hold them, contain the session again, or the whole role: lockdown contain " + Shell.quote(role.arn()));
        }
    }

    @Override
    public void status(EntityContext ctx) {
        Session session = new Session(ctx);
        Optional<Found> found = session.find();
        if (found.isEmpty()) {
            return;
        }
        Found role = found.get();
        ReportBuilder report = ctx.report();
        report.step("read-status", "iam:GetRolePolicy", () -> {
            boolean inForce = role.policy().map(d -> RoleSessionPolicy.isExactly(d, role.id(), session.name))
                    .orElse(false);
            String policy = role.policy().isEmpty() ? "absent" : inForce ? "in force: denies aws:userid "
                    + session.userId(role) : "present but not the lockdown's document (not trusted)";
            Map<String, Object> observed = new LinkedHashMap<>();
            observed.put("role", role.arn());
            observed.put("roleId", role.id());
            observed.put("sessionPolicy", session.policyName + ": " + policy);
            report.state("contained", inForce);
            report.state("observed", observed);
            return StepOutcome.done(inForce ? "session " + session.name + " is denied" : "session " + session.name
                    + " is not contained (" + session.policyName + " " + (role.policy().isEmpty() ? "absent"
                    : "is not the lockdown's document") + ")");
        });
    }

    /** The role's real ARN (with its path) against the guardrails, which saw the session's path-less ARN only. */
    private static Optional<String> roleRefusal(EntityContext ctx, Found role) {
        try {
            return ctx.guardrails().refusal(EntityArn.parse(role.arn())).map(reason -> "This is a session of role "
                    + role.arn() + ", which is refused: " + reason + ". Nothing was changed");
        } catch (InvalidArnException e) {
            return Optional.of("the role's ARN " + role.arn() + " could not be checked against the guardrails: "
                    + e.getMessage() + " Nothing was changed");
        }
    }

    private static String hours(int seconds) {
        return seconds % 3600 == 0 ? seconds / 3600 + " h" : seconds / 60 + " min";
    }

    /**
     * What the first wave found: the role and the session policy's document.
     *
     * @param arn               the role's ARN with its path
     * @param id                its unique id (AROA...), the first half of the session's {@code aws:userid}
     * @param maxSessionSeconds how long its sessions may last
     * @param policy            the document of the session policy, if there is one
     */
    private record Found(String arn, String id, int maxSessionSeconds, Optional<String> policy) {
    }

    /** One session of one role, through the entity's IAM client. */
    private static final class Session {
        private final EntityContext ctx;
        private final IamClient iam;
        private final String role;
        private final String name;
        private final String policyName;

        Session(EntityContext ctx) {
            this.ctx = ctx;
            this.iam = ctx.session().iam();
            this.role = ctx.entity().name();
            this.name = ctx.entity().sessionName();
            this.policyName = RoleSessionPolicy.name(name);
        }

        String userId(Found found) {
            return RoleSessionPolicy.userId(found.id(), name);
        }

        Optional<String> policy() {
            try {
                return Optional.of(ContainmentPolicy.decode(iam.getRolePolicy(b -> b.roleName(role)
                        .policyName(policyName)).policyDocument()));
            } catch (NoSuchEntityException e) {
                return Optional.empty();
            }
        }

        /**
         * GetRole and GetRolePolicy at once. Empty, with a failed step, when the role cannot be read; a policy
         * that cannot be read is a failed step too (containment then cannot tell "already" from "replace").
         */
        Optional<Found> find() {
            ReportBuilder report = ctx.report();
            AtomicReference<Role> found = new AtomicReference<>();
            AtomicReference<Exception> roleError = new AtomicReference<>();
            AtomicReference<Optional<String>> policy = new AtomicReference<>();
            AtomicReference<Exception> policyError = new AtomicReference<>();
            ctx.parallel().all(report, () -> {
                try {
                    found.set(iam.getRole(b -> b.roleName(role)).role());
                } catch (RuntimeException e) {
                    roleError.set(e);
                }
            }, () -> {
                try {
                    policy.set(policy());
                } catch (RuntimeException e) {
                    policyError.set(e);
                }
            });
            if (roleError.get() != null) {
                Exception e = roleError.get();
                report.record("find-role", "iam:GetRole", StepOutcome.failed(AwsErrors.isNotFound(e)
                        ? "The IAM role " + role + " does not exist in account " + ctx.entity().accountId()
                                + "; check the session ARN (its role name). Nothing was changed"
                        : AwsErrors.describe(e, "iam:GetRole") + ". The role of the session could not be read, so "
                                + "nothing was changed; run again"), 0);
                return Optional.empty();
            }
            if (policyError.get() != null) {
                report.record("read-session-policy", "iam:GetRolePolicy", StepOutcome.failed(
                        AwsErrors.describe(policyError.get(), "iam:GetRolePolicy") + ". Nothing was changed; run again"), 0);
                return Optional.empty();
            }
            Role r = found.get();
            int maxSession = r.maxSessionDuration() == null ? 3600 : r.maxSessionDuration();
            return Optional.of(new Found(r.arn(), r.roleId(), maxSession, policy.get()));
        }

        /** The notes every containment carries: what is and is not denied, and how to go further. */
        void describe(Found found) {
            ReportBuilder report = ctx.report();
            report.state("role", found.arn());
            report.state("sessionUserId", userId(found));
            report.state("sessionPolicy", policyName);
            report.note("Only session " + name + " of role " + found.arn() + " is denied. Other sessions of the role, "
                    + "and new sessions under another session name, keep working: when the attacker can assume the "
                    + "role again, contain all of it with: lockdown contain " + Shell.quote(found.arn()));
            if (INSTANCE_ID.matcher(name).matches()) {
                report.note("Session " + name + " is how EC2 names the instance-profile credentials of instance " + name
                        + ": these are that instance's credentials, denied wherever they are used. The instance and its "
                        + "network are not touched; to isolate the instance too: lockdown contain arn:"
                        + ctx.entity().partition() + ":ec2:REGION:" + ctx.entity().accountId() + ":instance/" + name);
            }
        }
    }
}
