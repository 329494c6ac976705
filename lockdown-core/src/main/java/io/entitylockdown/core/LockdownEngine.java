package io.entitylockdown.core;

import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepListener;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.StrategyRegistry;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The containment engine: validates the ARN, applies the guardrails, reaches the entity's account
 * and runs the entity type's strategy. The Lambda handler and the CLI are thin adapters over this.
 *
 * <p>Every public method returns a report and never throws for a problem with the entity, its
 * account or AWS: bad input is an {@code invalid} report, a guardrail an {@code refused} one,
 * AWS failures are failed steps. Thread-safe: many entities may be handled at once.
 */
public final class LockdownEngine implements AutoCloseable {
    private final AccountSessions sessions;
    private final Guardrails guardrails;
    private final StrategyRegistry strategies;
    private final Clock clock;
    private final StepListener listener;

    public LockdownEngine(AccountSessions sessions, Guardrails guardrails, StrategyRegistry strategies, Clock clock,
            StepListener listener) {
        this.sessions = sessions;
        this.guardrails = guardrails;
        this.strategies = strategies;
        this.clock = clock;
        this.listener = listener == null ? StepListener.NONE : listener;
    }

    public StrategyRegistry strategies() {
        return strategies;
    }

    public AccountSessions sessions() {
        return sessions;
    }

    /** Contains the entity (for EC2: phase 1, and phase 2 too when the window is 0). */
    public ContainmentReport contain(String arn, ContainmentOptions options) {
        return run(arn, Operation.CONTAIN, options, strategy -> ctx -> {
            strategy.contain(ctx);
            if (!options.dryRun()) {
                ctx.report().releaseCommand("lockdown release " + ctx.entity().arn());
            }
        });
    }

    /** EC2 phase 2: every interface to the isolation group. */
    public ContainmentReport isolate(String arn, ContainmentOptions options) {
        return run(arn, Operation.ISOLATE, options, strategy -> strategy::isolate);
    }

    /** Undoes what containment recorded. */
    public ContainmentReport release(String arn, ContainmentOptions options) {
        return run(arn, Operation.RELEASE, options, strategy -> strategy::release);
    }

    /** Reads the containment state; changes nothing. */
    public ContainmentReport status(String arn) {
        return run(arn, Operation.STATUS, ContainmentOptions.defaults().withDryRun(true), strategy -> strategy::status);
    }

    private ContainmentReport run(String input, Operation operation, ContainmentOptions options,
            java.util.function.Function<ContainmentStrategy, Consumer<EntityContext>> action) {
        EntityArn entity;
        try {
            entity = EntityArn.parse(input);
        } catch (InvalidArnException e) {
            return ReportBuilder.invalid(input, operation, e.getMessage(), clock);
        }
        ReportBuilder report = new ReportBuilder(entity, operation, options.dryRun(), clock, listener);
        Optional<ContainmentStrategy> strategy = strategies.forType(entity.type());
        if (strategy.isEmpty()) {
            return ReportBuilder.invalid(input, operation,
                    entity.type().displayName() + "s are not supported by this build", clock);
        }
        Optional<String> refusal = guardrails.refusal(entity);
        if (refusal.isPresent()) {
            report.record("guardrail", "", StepOutcome.refused(refusal.get()), 0);
            return report.build();
        }
        AccountSession session = sessions.forEntity(entity);
        if (sessions.access() instanceof Access.MemberRole member) {
            var assumed = report.step(ReportBuilder.MEMBER_ROLE_STEP, "sts:AssumeRole", () -> {
                session.resolveCredentials();
                return StepOutcome.done("acting as " + member.roleName() + " in " + entity.accountId());
            });
            if (assumed.status() != io.entitylockdown.core.report.StepStatus.DONE) {
                report.note("Nothing was changed: the member role in account " + entity.accountId()
                        + " could not be assumed. Fix what the failed step names; when it is AccessDenied, check that "
                        + "the stack lockdown-member-role.yaml is deployed in that account, that it trusts the identity "
                        + "you act as, and that the ExternalId matches (or use --no-assume-role for your own account).");
                return report.build();
            }
        }
        EntityContext ctx = new EntityContext(entity, session, options, guardrails, report, clock, report.startedAt());
        action.apply(strategy.get()).accept(ctx);
        return report.build();
    }

    @Override
    public void close() {
        sessions.close();
    }
}
