package io.entitylockdown.core;

import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.Partitions;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.iam.UserLookup;
import io.entitylockdown.core.record.RecordKey;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepListener;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.Parallel;
import io.entitylockdown.core.strategy.Phase2Scheduler;
import io.entitylockdown.core.strategy.Strategies;
import io.entitylockdown.core.strategy.StrategyRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The containment engine: validates the ARN, applies the guardrails, reaches the entity's account
 * and runs the entity type's strategy. The Lambda handler and the CLI are thin adapters over this.
 *
 * <p>Every operation on an entity returns a report and never throws for a problem with the entity, its
 * account, AWS or a bug in a strategy: bad input is an {@code invalid} report, a guardrail a
 * {@code refused} one, AWS failures and unexpected exceptions are failed steps. The read-only look-ups
 * that find an entity first ({@link #resolveAccessKey}, {@link #resolveUser}, {@link #accessKeyAccount})
 * throw instead: {@link UnknownEntityException} when there is nothing to contain, {@link LockdownException}
 * when AWS could not answer. Thread-safe: many entities may be handled at once.
 */
public final class LockdownEngine implements AutoCloseable {
    private final AccountSessions sessions;
    private final Guardrails guardrails;
    private final StrategyRegistry strategies;
    private final Clock clock;
    private final StepListener listener;
    private final Supplier<RecordKey> recordKey;
    private final Parallel parallel = new Parallel();

    private LockdownEngine(Builder builder) {
        this.sessions = Objects.requireNonNull(builder.sessions, "sessions");
        this.guardrails = Objects.requireNonNull(builder.guardrails, "guardrails");
        this.strategies = builder.strategies;
        this.clock = builder.clock;
        this.listener = builder.listener;
        this.recordKey = builder.recordKey;
    }

    /** An engine with the standard strategies, the system clock, no listener and no record key. */
    public LockdownEngine(AccountSessions sessions, Guardrails guardrails, StrategyRegistry strategies, Clock clock,
            StepListener listener) {
        this(builder().sessions(sessions).guardrails(guardrails).strategies(strategies).clock(clock).listener(listener));
    }

    public static Builder builder() {
        return new Builder();
    }

    public StrategyRegistry strategies() {
        return strategies;
    }

    public AccountSessions sessions() {
        return sessions;
    }

    /**
     * Contains the entity (for EC2: phase 1, and phase 2 too when the window is 0). The caller runs
     * EC2 phase 2 itself after the window ({@link #isolate}).
     */
    public ContainmentReport contain(String arn, ContainmentOptions options) {
        return contain(arn, options, Phase2Scheduler.CALLER_RUNS_PHASE_2);
    }

    /** Contains the entity; for EC2, {@code phase2} is asked to schedule phase 2 before any interface is opened. */
    public ContainmentReport contain(String arn, ContainmentOptions options, Phase2Scheduler phase2) {
        return run(arn, Operation.CONTAIN, options, phase2, (strategy, ctx) -> {
            strategy.contain(ctx);
            if (!options.dryRun()) {
                ctx.report().releaseCommand("lockdown release " + Shell.quote(ctx.entity().arn()));
            }
        });
    }

    /** EC2 phase 2: every interface to the isolation group, whatever the tags say. */
    public ContainmentReport isolate(String arn, ContainmentOptions options) {
        return isolate(arn, options, null);
    }

    /**
     * EC2 phase 2 that phase 1 scheduled at {@code scheduledAt} (a delayed message): it isolates every
     * interface, unless a signed release of the instance is later than that (a late or duplicate delivery).
     */
    public ContainmentReport isolate(String arn, ContainmentOptions options, Instant scheduledAt) {
        return run(arn, Operation.ISOLATE, options, Phase2Scheduler.CALLER_RUNS_PHASE_2, scheduledAt,
                ContainmentStrategy::isolate);
    }

    /** Undoes what the entity's authenticated record says containment changed. */
    public ContainmentReport release(String arn, ContainmentOptions options) {
        return run(arn, Operation.RELEASE, options, Phase2Scheduler.CALLER_RUNS_PHASE_2, ContainmentStrategy::release);
    }

    /** Reads the containment state; changes nothing. */
    public ContainmentReport status(String arn) {
        return run(arn, Operation.STATUS, ContainmentOptions.defaults().withDryRun(true),
                Phase2Scheduler.CALLER_RUNS_PHASE_2, ContainmentStrategy::status);
    }

    private ContainmentReport run(String input, Operation operation, ContainmentOptions options, Phase2Scheduler phase2,
            BiConsumer<ContainmentStrategy, EntityContext> action) {
        return run(input, operation, options, phase2, null, action);
    }

    private ContainmentReport run(String input, Operation operation, ContainmentOptions options, Phase2Scheduler phase2,
            Instant scheduledAt, BiConsumer<ContainmentStrategy, EntityContext> action) {
        EntityArn entity;
        try {
            entity = EntityArn.parse(input);
        } catch (InvalidArnException e) {
            return ReportBuilder.invalid(input, operation, e.getMessage(), clock);
        }
        Optional<ContainmentStrategy> strategy = strategies.forType(entity.type());
        if (strategy.isEmpty()) {
            return ReportBuilder.invalid(input, operation,
                    entity.type().displayName() + "s are not supported by this build", clock);
        }
        ReportBuilder report = new ReportBuilder(entity, operation, options.dryRun(), clock, listener);
        Optional<String> refusal = guardrails.refusal(entity);
        if (refusal.isPresent()) {
            report.record("guardrail", "", StepOutcome.refused(refusal.get()), 0);
            return report.build();
        }
        try {
            AccountSession session = sessions.forEntity(entity);
            if (sessions.access() instanceof Access.MemberRole member) {
                var assumed = report.step(ReportBuilder.MEMBER_ROLE_STEP, "sts:AssumeRole", () -> {
                    session.resolveCredentials();
                    return StepOutcome.done("acting as " + member.roleName() + " in " + entity.accountId());
                });
                if (assumed.status() != StepStatus.DONE) {
                    report.note("Nothing was changed: the member role in account " + entity.accountId()
                            + " could not be assumed. Fix what the failed step names; when it is AccessDenied, check "
                            + "that the stack lockdown-member-role.yaml is deployed in that account, that it trusts the "
                            + "identity you act as, and that the ExternalId matches (or use --no-assume-role for your "
                            + "own account).");
                    return report.build();
                }
            }
            EntityContext ctx = new EntityContext(entity, session, options, guardrails, report, clock,
                    report.startedAt(), recordKey(report), parallel, phase2, scheduledAt);
            action.accept(strategy.get(), ctx);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            // Nothing may escape an entity: a batch goes on past it, and its report says what was done.
            report.record("internal-error", "", StepOutcome.failed("internal error (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); the steps above say what was done. "
                    + "Run the same command again (every step is idempotent) and check with lockdown status"), 0);
        }
        return report.build();
    }

    /**
     * The IAM user that owns a long-term access key ({@code AKIA...}), found in the key's account through
     * the member role there (or the caller's own credentials): iam:GetAccessKeyLastUsed names the user,
     * iam:GetUser gives its ARN with the path. Read-only; contain the answer with {@link #contain}.
     *
     * @param accountId the key's account; null or empty to ask STS ({@link #accessKeyAccount})
     * @throws UnknownEntityException when the key is temporary ({@code ASIA...}, refused before any request),
     *     malformed, unknown in the account, or not an IAM user's
     * @throws LockdownException      when AWS cannot answer (the member role cannot be assumed, access denied ...)
     */
    public EntityArn resolveAccessKey(String accessKeyId, String accountId) {
        UserLookup.requireLongTermKey(accessKeyId);
        String account = accountId == null || accountId.isBlank() ? accessKeyAccount(accessKeyId) : accountId.strip();
        return lookupIn(account, "key-" + accessKeyId).byAccessKey(accessKeyId);
    }

    /**
     * The ARN, with its path, of the IAM user of this name in the account (GuardDuty names users
     * without their path). Read-only.
     *
     * @throws UnknownEntityException when there is no such user
     * @throws LockdownException      when AWS cannot answer
     */
    public EntityArn resolveUser(String accountId, String userName) {
        requireAccount(accountId);
        return lookupIn(accountId, "user-" + userName).byName(userName);
    }

    /**
     * The account an access key belongs to, from sts:GetAccessKeyInfo called with the caller's own
     * credentials (any identity may ask; the key need not be the caller's).
     */
    public String accessKeyAccount(String accessKeyId) {
        UserLookup.requireLongTermKey(accessKeyId);
        Region region = Region.of(Partitions.stsRegion(homePartition(), sessions.settings().homeRegion()));
        try (StsClient sts = sessions.caller().configure(StsClient.builder(), region).build()) {
            String account = sts.getAccessKeyInfo(b -> b.accessKeyId(accessKeyId)).account();
            if (account == null || !account.matches("[0-9]{12}")) {
                throw new UnknownEntityException("STS does not know access key " + accessKeyId + " (no account in its "
                        + "answer); check the key id, or give the account with --account");
            }
            return account;
        } catch (LockdownException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LockdownException("The account of access key " + accessKeyId + " could not be found: "
                    + AwsErrors.describe(e, "sts:GetAccessKeyInfo") + ". Give the account with --account", e);
        }
    }

    private UserLookup lookupIn(String accountId, String purpose) {
        requireAccount(accountId);
        String partition = homePartition();
        String region = Partitions.stsRegion(partition, sessions.settings().homeRegion());
        String sessionName = "lockdown-" + purpose.replaceAll("[^\\w+=,.@-]", "-");
        AccountSession session = sessions.session(partition, accountId, region,
                sessionName.length() <= 64 ? sessionName : sessionName.substring(0, 64));
        if (sessions.access() instanceof Access.MemberRole member) {
            try {
                session.resolveCredentials();
            } catch (RuntimeException e) {
                throw new LockdownException("The member role " + member.roleName() + " in account " + accountId
                        + " could not be assumed: " + AwsErrors.describe(e, "sts:AssumeRole") + ". Check that the stack "
                        + "lockdown-member-role.yaml is deployed there and that the ExternalId matches", e);
            }
        }
        return new UserLookup(session.iam(), accountId);
    }

    private static void requireAccount(String accountId) {
        if (accountId == null || !accountId.matches("[0-9]{12}")) {
            throw new UnknownEntityException("'" + accountId + "' is not an AWS account id (twelve digits)");
        }
    }

    private String homePartition() {
        return Partitions.partitionOf(sessions.settings().homeRegion().id());
    }

    private RecordKey recordKey(ReportBuilder report) {
        try {
            return recordKey.get();
        } catch (RuntimeException e) {
            report.note("The deployment secret could not be read (" + e.getMessage() + "); records on entities "
                    + "are neither written nor trusted in this run.");
            return null;
        }
    }

    @Override
    public void close() {
        parallel.close();
        sessions.close();
    }

    /** How to build an engine; sessions and guardrails are required. */
    public static final class Builder {
        private AccountSessions sessions;
        private Guardrails guardrails;
        private StrategyRegistry strategies = Strategies.standard();
        private Clock clock = Clock.systemUTC();
        private StepListener listener = StepListener.NONE;
        private Supplier<RecordKey> recordKey = () -> null;

        private Builder() {
        }

        public Builder sessions(AccountSessions value) {
            this.sessions = value;
            return this;
        }

        public Builder guardrails(Guardrails value) {
            this.guardrails = value;
            return this;
        }

        public Builder strategies(StrategyRegistry value) {
            this.strategies = Objects.requireNonNull(value, "strategies");
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        public Builder listener(StepListener value) {
            this.listener = value == null ? StepListener.NONE : value;
            return this;
        }

        /** The key that signs and checks records; a supplier so a deployment secret can be read late. */
        public Builder recordKey(Supplier<RecordKey> value) {
            this.recordKey = value == null ? () -> null : value;
            return this;
        }

        public Builder recordKey(RecordKey value) {
            return recordKey(() -> value);
        }

        public LockdownEngine build() {
            return new LockdownEngine(this);
        }
    }
}
