package io.entitylockdown.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code lockdown} command: one subcommand per thing a responder does. */
@Command(name = "lockdown", mixinStandardHelpOptions = true, versionProvider = LockdownCommand.Version.class,
        description = {"Contain a compromised AWS entity (IAM user, IAM role, Lambda function, EC2 instance) "
                + "given its ARN, in whichever account and region it lives; verify the containment, record what "
                + "was changed, and undo it later.", ""},
        subcommands = {ContainCommand.class, PlanCommand.class, StatusCommand.class, ReleaseCommand.class,
            PublishCommand.class, ReplayCommand.class, InvokeCommand.class, DeployCommand.class, DemoCommand.class,
            CommandLine.HelpCommand.class},
        commandListHeading = "%nCommands:%n",
        footer = {"", "Examples:",
            "  lockdown demo            the whole story against a local AWS emulator",
            "  lockdown contain arn:aws:iam::111122223333:user/mallory",
            "  lockdown plan --file incident-42.txt      (what contain would change)",
            "  lockdown status arn:aws:lambda:us-east-1:111122223333:function:billing",
            "  lockdown release arn:aws:iam::111122223333:user/mallory",
            "  LOCKDOWN_EXTERNAL_ID=... lockdown publish \\",
            "      --topic-arn arn:aws:sns:us-east-1:999999999999:entity-lockdown \\",
            "      arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc1234def567890",
            "  lockdown replay --dry-run --queue KEPT_EVENTS_QUEUE_URL   (after a failure alarm)",
            "",
            "Exit codes (the highest wins across entities):",
            "  0  every entity done (or already done) and verified",
            "  1  some entity failed or partly failed, or some input was not an ARN",
            "  2  bad input: nothing valid to act on, or a bad option or setting",
            "  3  a guardrail refused an entity; nothing was changed on it",
            "",
            "Environment (the same variables as the deployed function):",
            "  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL and the standard AWS variables",
            "  LOCKDOWN_EXTERNAL_ID         ExternalId of the member roles (secret)",
            "  LOCKDOWN_MEMBER_ROLE         member role name (EntityLockdownMemberRole)",
            "  LOCKDOWN_PROTECTED_PRINCIPALS  ARN patterns never to contain",
            "  LOCKDOWN_ALLOWED_ACCOUNTS    the only accounts where anything is contained",
            "  LOCKDOWN_EXECUTION_ROLE_ARN  the lockdown's own role (never contained)",
            "  LOCKDOWN_FUNCTION_ARN        the lockdown's own function (never contained)",
            "  LOCKDOWN_STACK               the deployed stack: its guardrails apply here too (--stack)",
            "",
            "Run 'lockdown help COMMAND' for a command's options and examples."})
public final class LockdownCommand implements Callable<Integer> {

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Show stack traces of unexpected errors (never credentials or the ExternalId).")
    boolean debug;

    @Spec
    CommandSpec spec;

    private final CliEnvironment environment;

    public LockdownCommand() {
        this(CliEnvironment.system());
    }

    /** With another environment than the process's (tests, the demo). */
    LockdownCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    /** A ready command line with this environment. */
    static CommandLine commandLine(CliEnvironment environment) {
        return new CommandLine(new LockdownCommand(environment));
    }

    CliEnvironment environment() {
        return environment;
    }

    boolean debug() {
        return debug;
    }

    /** Without a subcommand there is nothing to do: show the usage and say so. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().println("Name a command, e.g. 'lockdown demo' or 'lockdown contain ARN'.");
        return ExitCodes.BAD_INPUT;
    }

    /** The version from the jar's manifest; "development build" when run from classes. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = LockdownCommand.class.getPackage().getImplementationVersion();
            return new String[] {"lockdown " + (version == null ? "(development build)" : version),
                "Java " + System.getProperty("java.version")};
        }
    }
}
