package io.entitylockdown.core.iam;

import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.Shell;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.record.RecordBinding;
import io.entitylockdown.core.record.RecordReading;
import io.entitylockdown.core.record.RecordWriter;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.report.Verdict;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.Parallel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.StatusType;

/**
 * Contains an IAM user: deny everything (the first request), deactivate every active access key,
 * revoke sessions issued before containment. The access keys matter beyond the deny: a key that is
 * inactive cannot sign at all, so it stays dead even after the deny is released.
 *
 * <p>Requests for a user with one active key: the policy, then (while it is on its way) GetUser and
 * ListAccessKeys; TagUser (the record); UpdateAccessKey; then the two read-backs: seven in all, in
 * four round trips after the member-role session.
 */
public final class IamUserLockdown implements ContainmentStrategy {

    @Override
    public EntityType type() {
        return EntityType.IAM_USER;
    }

    @Override
    public Set<String> permissions() {
        return Set.of("iam:GetUser", "iam:TagUser", "iam:UntagUser",
                "iam:GetUserPolicy", "iam:PutUserPolicy", "iam:DeleteUserPolicy",
                "iam:ListAttachedUserPolicies", "iam:AttachUserPolicy", "iam:DetachUserPolicy",
                "iam:ListAccessKeys", "iam:UpdateAccessKey");
    }

    @Override
    public void contain(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        IamClient iam = ctx.session().iam();
        IamPrincipal user = IamPrincipal.of(ctx.entity(), iam);
        PrincipalDenial denial = new PrincipalDenial(ctx, user, "");
        AtomicReference<List<AccessKeyMetadata>> keys = new AtomicReference<>();
        AtomicReference<Exception> keysError = new AtomicReference<>();
        Optional<PrincipalDenial.Denied> found = denial.denyFirst(List.of(() -> {
            try {
                keys.set(listKeys(iam, user.name()));
            } catch (RuntimeException e) {
                keysError.set(e);
            }
        }));
        if (found.isEmpty()) {
            return;
        }
        PrincipalDenial.Denied denied = found.get();
        RecordBinding binding = RecordBinding.of(ctx.entity());
        RecordReading<UserState> record = EntityRecords.read(denied.facts().tags(), ctx.recordKey(), binding,
                UserState.class);
        List<AccessKeyMetadata> listed = keys.get();
        Map<String, String> tags = denied.facts().tags();
        if (listed != null && !record.isVerified() && ctx.canRecord()
                && listed.stream().anyMatch(k -> k.status() == StatusType.INACTIVE)) {
            // An inactive key may be one a concurrent containment has just switched off; that run wrote its
            // record before doing so, so reading the tags again now finds it (and the key's prior state).
            Optional<IamPrincipal.Facts> again = report.read("record-state", "iam:GetUser", "", user::lookup);
            if (again.isPresent()) {
                tags = again.get().tags();
                record = EntityRecords.read(tags, ctx.recordKey(), binding, UserState.class);
            }
        }
        if (record instanceof RecordReading.Unverified<UserState> unverified) {
            report.note(RecordWriter.unverifiedNote(user.describe(), unverified) + "; containment acted on the user "
                    + "as it is and cut sessions off at now.");
        }
        List<String> active = listed == null ? null : listed.stream()
                .filter(k -> k.status() == StatusType.ACTIVE).map(AccessKeyMetadata::accessKeyId).toList();
        if (active == null) {
            report.record("deactivate-access-keys", "iam:ListAccessKeys", StepOutcome.failed(
                    io.entitylockdown.core.report.AwsErrors.describe(keysError.get(), "iam:ListAccessKeys")
                    + ": the access keys of " + user.describe() + " could not be listed; run again to deactivate them"), 0);
        }
        Set<String> deactivated = new LinkedHashSet<>(record.verified().map(v -> v.state().deactivatedKeys())
                .orElse(List.of()));
        if (active != null) {
            deactivated.addAll(active);
        }
        boolean attachedDenyAll = denied.attachedDenyAll()
                || record.verified().map(v -> v.state().attachedDenyAll()).orElse(false);
        Instant at = record.verified().map(RecordReading.Verified::at).orElse(ctx.now());
        UserState state = new UserState(List.copyOf(deactivated), attachedDenyAll);
        Map<String, String> current = tags;
        // The record first, then the keys: a concurrent run that sees a key switched off finds this record.
        var written = report.step("record-state", user.tagCall(),
                () -> RecordWriter.write(ctx, user, current, binding, at, state));
        if (written.status() != StepStatus.DONE && written.status() != StepStatus.ALREADY) {
            report.note("What containment changed on " + user.describe() + " is in this report only: deactivated "
                    + "access key(s) " + state.deactivatedKeys() + (attachedDenyAll ? ", AWSDenyAll attached" : "")
                    + ". Release cannot restore it by itself.");
        }
        if (active != null) {
            report.step("deactivate-access-keys", "iam:UpdateAccessKey",
                    () -> deactivate(ctx, iam, user.name(), active));
        }
        report.state("recorded", EntityRecords.toJson(state));
        if (!ctx.dryRun()) {
            ctx.parallel().all(report,
                    () -> denial.verify(denied),
                    () -> report.verify("every access key of " + user.describe() + " inactive", () -> {
                        List<String> stillActive = listKeys(iam, user.name()).stream()
                                .filter(k -> k.status() == StatusType.ACTIVE).map(AccessKeyMetadata::accessKeyId).toList();
                        return Verdict.of(stillActive.isEmpty(), stillActive.isEmpty() ? "no active access key"
                                : "still active: " + stillActive);
                    }));
        }
    }

    @Override
    public void release(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        IamClient iam = ctx.session().iam();
        IamPrincipal user = IamPrincipal.of(ctx.entity(), iam);
        PrincipalRelease<UserState> release = new PrincipalRelease<>(ctx, user, "", UserState.class);
        AtomicReference<List<AccessKeyMetadata>> keys = new AtomicReference<>();
        Optional<PrincipalRelease.Found<UserState>> found = release.read(List.of(() -> keys.set(tryListKeys(iam, user.name()))));
        if (found.isEmpty()) {
            return;
        }
        PrincipalRelease.Found<UserState> record = found.get();
        if (record.verified().isEmpty()) {
            release.cannotRestore(record, manualKeySteps(user, keys.get() == null ? List.of() : keys.get()));
            return;
        }
        RecordReading.Verified<UserState> verified = record.verified().get();
        List<String> recordedKeys = verified.state().deactivatedKeys();
        List<Parallel.Task> restores = new ArrayList<>();
        AtomicReference<Instant> cutOff = new AtomicReference<>();
        restores.add(() -> cutOff.set(release.denial().lift(record.policy(), verified.at(),
                verified.state().attachedDenyAll())));
        // Keys come back only from a containment in force: a genuine record replayed onto a released user (its
        // tags are writable by whoever held it) must not switch on keys an earlier release left off.
        boolean denyInForce = ctx.options().reactivateKeys() && !recordedKeys.isEmpty()
                && (record.policy().flatMap(d -> ContainmentPolicy.parse(d, user.arn()))
                        .map(ContainmentPolicy.Form::denyAll).orElse(false)
                || verified.state().attachedDenyAll() && release.denial().observe(record.policy()).awsDenyAll());
        if (ctx.options().reactivateKeys() && !recordedKeys.isEmpty() && !denyInForce) {
            report.record("reactivate-access-keys", "iam:UpdateAccessKey", StepOutcome.failed("left access key(s) "
                    + recordedKeys + " as they are: the record names them, but no lockdown deny is in force on "
                    + user.describe() + ", so this is not a containment being released (released already, or a record "
                    + "put back on the user). If you are sure, reactivate by hand: aws iam update-access-key --user-name "
                    + Shell.quote(user.name()) + " --access-key-id KEY --status Active"), 0);
        } else if (ctx.options().reactivateKeys()) {
            restores.add(() -> report.step("reactivate-access-keys", "iam:UpdateAccessKey",
                    () -> reactivate(iam, user.name(), recordedKeys,
                            keys.get() == null ? listKeys(iam, user.name()) : keys.get(), ctx.dryRun())));
        } else if (!recordedKeys.isEmpty()) {
            report.record("reactivate-access-keys", "", StepOutcome.skipped("left " + recordedKeys.size()
                    + " access key(s) inactive " + recordedKeys + ": they may be stolen. Rotate them, or release again "
                    + "asking to reactivate keys"), 0);
        }
        ctx.parallel().all(report, restores);
        release.removeRecord(record);
        if (!ctx.dryRun() && cutOff.get() != null) {
            List<Parallel.Task> checks = new ArrayList<>();
            checks.add(() -> release.denial().verifyLifted(cutOff.get(), verified.state().attachedDenyAll(),
                    record.policy().isPresent() || !verified.state().attachedDenyAll()));
            if (denyInForce) {
                checks.add(() -> report.verify("access key(s) " + recordedKeys + " active", () -> {
                    List<String> wrong = listKeys(iam, user.name()).stream()
                            .filter(k -> recordedKeys.contains(k.accessKeyId()) && k.status() != StatusType.ACTIVE)
                            .map(AccessKeyMetadata::accessKeyId).toList();
                    return Verdict.of(wrong.isEmpty(), wrong.isEmpty() ? "active (or deleted since)" : "not active: " + wrong);
                }));
            }
            ctx.parallel().all(report, checks);
        }
    }

    @Override
    public void status(EntityContext ctx) {
        IamClient iam = ctx.session().iam();
        IamPrincipal user = IamPrincipal.of(ctx.entity(), iam);
        PrincipalRelease<UserState> reader = new PrincipalRelease<>(ctx, user, "", UserState.class);
        AtomicReference<List<AccessKeyMetadata>> keys = new AtomicReference<>();
        reader.status(List.of(() -> keys.set(tryListKeys(iam, user.name()))), observed -> {
            var active = observed.putArray("activeAccessKeys");
            (keys.get() == null ? listKeys(iam, user.name()) : keys.get()).stream()
                    .filter(k -> k.status() == StatusType.ACTIVE).forEach(k -> active.add(k.accessKeyId()));
        });
    }

    /** The keys, or null when they could not be listed (a later step lists them again and fails with the reason). */
    private static List<AccessKeyMetadata> tryListKeys(IamClient iam, String userName) {
        try {
            return listKeys(iam, userName);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static List<AccessKeyMetadata> listKeys(IamClient iam, String userName) {
        return iam.listAccessKeysPaginator(b -> b.userName(userName)).accessKeyMetadata().stream().toList();
    }

    private static StepOutcome deactivate(EntityContext ctx, IamClient iam, String userName, List<String> active)
            throws Exception {
        if (active.isEmpty()) {
            return StepOutcome.already("user " + userName + " has no active access key");
        }
        if (ctx.dryRun()) {
            return StepOutcome.wouldDo("deactivate access key(s) " + active);
        }
        List<Parallel.Task> calls = new ArrayList<>();
        for (String id : active) {
            calls.add(() -> iam.updateAccessKey(b -> b.userName(userName).accessKeyId(id).status(StatusType.INACTIVE)));
        }
        ctx.parallel().calls(calls);
        return StepOutcome.done("deactivated access key(s) " + active);
    }

    private static StepOutcome reactivate(IamClient iam, String userName, List<String> recorded,
            List<AccessKeyMetadata> now, boolean dryRun) {
        if (recorded.isEmpty()) {
            return StepOutcome.skipped("containment deactivated no access key");
        }
        Set<String> inactive = new TreeSet<>();
        Set<String> existing = new TreeSet<>();
        for (AccessKeyMetadata key : now) {
            existing.add(key.accessKeyId());
            if (key.status() == StatusType.INACTIVE && recorded.contains(key.accessKeyId())) {
                inactive.add(key.accessKeyId());
            }
        }
        List<String> gone = recorded.stream().filter(id -> !existing.contains(id)).toList();
        String goneNote = gone.isEmpty() ? "" : "; deleted since containment: " + gone;
        if (inactive.isEmpty()) {
            return StepOutcome.already("the recorded access key(s) are active" + goneNote);
        }
        if (dryRun) {
            return StepOutcome.wouldDo("reactivate access key(s) " + inactive + goneNote);
        }
        for (String id : inactive) {
            iam.updateAccessKey(b -> b.userName(userName).accessKeyId(id).status(StatusType.ACTIVE));
        }
        return StepOutcome.done("reactivated access key(s) " + inactive + goneNote);
    }

    private static List<String> manualKeySteps(IamPrincipal user, List<AccessKeyMetadata> keys) {
        List<String> steps = new ArrayList<>();
        keys.stream().filter(k -> k.status() == StatusType.INACTIVE).forEach(k -> steps.add(
                "only if you know access key " + k.accessKeyId() + " was active before containment and is not stolen: "
                        + "aws iam update-access-key --user-name " + Shell.quote(user.name())
                        + " --access-key-id " + k.accessKeyId() + " --status Active"));
        return steps;
    }
}
