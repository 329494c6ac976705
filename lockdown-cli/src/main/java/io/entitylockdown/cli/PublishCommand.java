package io.entitylockdown.cli;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;

/**
 * Publishes lockdown requests to the deployed stack's topic, in the original solution's format
 * (message attributes {@code Arn} and {@code ExternalId}), so existing SOAR playbooks and this
 * command are interchangeable; a release or status request adds the attribute {@code Operation}.
 * Needs only {@code sns:Publish} on the topic.
 */
@Command(name = "publish", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Ask the deployed lockdown to contain entities (or, with --release or --status, to release "
                + "them or report their state): one SNS message per ARN, with the message attributes Arn and "
                + "ExternalId (the original Vectra format) and, for release and status, Operation. Needs only "
                + "sns:Publish on the topic; the function does the work with its member roles and audits it.",
            "The ARNs are validated before anything is published; invalid ones are reported and not sent."},
        footer = {"", "Examples:",
            "  export LOCKDOWN_EXTERNAL_ID=...   # the deployment's secret; keep it off",
            "                                    # command lines others can see",
            "  lockdown publish --topic-arn arn:aws:sns:us-east-1:999999999999:entity-lockdown \\",
            "      arn:aws:iam::111122223333:user/mallory",
            "  lockdown publish --release --topic-arn arn:aws:sns:us-east-1:999999999999:entity-lockdown \\",
            "      arn:aws:iam::111122223333:user/mallory",
            "  lockdown publish --file incident-42.txt \\",
            "      --topic-arn arn:aws:sns:us-east-1:999999999999:entity-lockdown",
            "Then follow the audit topic: it says started and succeeded, failed or refused (for --status: the state)."})
final class PublishCommand extends Subcommand {
    private static final Pattern TOPIC = Pattern.compile(
            "arn:(aws(?:-[a-z]{1,10}){0,3}):sns:([a-z]{2}(?:-[a-z]{2,10}){1,3}-[0-9]{1,2}):([0-9]{12}):([A-Za-z0-9_-]{1,256})");

    @Mixin
    TargetOptions targets;

    @Mixin
    OutputOptions output;

    @Option(names = "--topic-arn", paramLabel = "ARN", required = true,
            description = "The lockdown topic of the deployed stack (output LockdownTopicArn).")
    String topicArn;

    @Option(names = "--external-id", paramLabel = "ID",
            description = "The deployment's ExternalId (default: env LOCKDOWN_EXTERNAL_ID). Never printed.")
    String externalId;

    @Option(names = "--release", description = "Ask for a release (undo the recorded containment) instead.")
    boolean release;

    @Option(names = "--status", description = "Ask for the entities' state, reported on the audit topic, instead.")
    boolean status;

    /** One published (or rejected) request. */
    record Published(String arn, String messageId, String error) {
    }

    @Override
    int run() {
        Matcher topic = TOPIC.matcher(topicArn.strip());
        if (!topic.matches()) {
            throw CliException.badInput("--topic-arn '" + topicArn + "' is not an SNS topic ARN like "
                    + "arn:aws:sns:us-east-1:999999999999:entity-lockdown; copy it from the stack's outputs");
        }
        if (release && status) {
            throw CliException.badInput("--release and --status ask for different things; send one of them");
        }
        Operation operation = release ? Operation.RELEASE : status ? Operation.STATUS : Operation.CONTAIN;
        String id = externalId != null ? externalId : environment().get(CliEnvironment.EXTERNAL_ID);
        if (id == null || id.isBlank()) {
            throw CliException.badInput("No ExternalId: set LOCKDOWN_EXTERNAL_ID (or pass --external-id); the lockdown "
                    + "function ignores messages without the deployment's ExternalId");
        }
        Access.memberRole("EntityLockdownMemberRole", id); // validates the ExternalId's characters without echoing it
        List<Published> results = new ArrayList<>();
        List<String> valid = new ArrayList<>();
        for (TargetOptions.Target target : targets.targets()) {
            try {
                valid.add(EntityArn.parse(target.text()).arn());
            } catch (InvalidArnException e) {
                err().println("Rejected " + target.source() + ": " + EntityCommand.withoutFullStop(e.getMessage())
                        + ". Not published; fix or remove it.");
                results.add(new Published(target.text(), null, e.getMessage()));
            }
        }
        int failed = 0;
        if (!valid.isEmpty()) {
            try (AccountSessions sessions = new AccountSessions(environment().awsSettings(), Access.callerCredentials());
                    SnsClient sns = sessions.caller().configure(SnsClient.builder(), Region.of(topic.group(2))).build()) {
                for (String arn : valid) {
                    try {
                        String messageId = sns.publish(request(topic.group(0), arn, id, operation)).messageId();
                        err().println("Published " + (operation == Operation.CONTAIN ? "" : operation.json() + " of ") + arn
                                + " (message " + messageId + ")");
                        results.add(new Published(arn, messageId, null));
                    } catch (RuntimeException e) {
                        failed++;
                        String why = AwsErrors.describe(e, "sns:Publish");
                        err().println("Could not publish " + arn + ": " + why);
                        results.add(new Published(arn, null, why));
                    }
                }
            }
        }
        print(results);
        boolean anyRejected = valid.size() < results.size();
        if (valid.isEmpty()) {
            return ExitCodes.BAD_INPUT;
        }
        return failed > 0 || anyRejected ? ExitCodes.FAILED : ExitCodes.OK;
    }

    /**
     * One request. A containment is exactly the original solution's message; another operation adds the
     * {@code Operation} attribute. The ExternalId is never in the body, which more subscribers may see.
     */
    static PublishRequest request(String topicArn, String arn, String externalId, Operation operation) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        attributes.put("Arn", MessageAttributeValue.builder().dataType("String").stringValue(arn).build());
        attributes.put("ExternalId", MessageAttributeValue.builder().dataType("String").stringValue(externalId).build());
        if (operation != Operation.CONTAIN) {
            attributes.put("Operation", MessageAttributeValue.builder().dataType("String").stringValue(operation.json())
                    .build());
        }
        String verb = switch (operation) {
            case CONTAIN -> "Contain ";
            case RELEASE -> "Release ";
            default -> "Status of ";
        };
        return PublishRequest.builder()
                .topicArn(topicArn)
                .subject("Entity Lockdown request")
                .message(verb + arn)
                .messageAttributes(attributes)
                .build();
    }

    private void print(List<Published> results) {
        if (output.json()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Published p : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("arn", p.arn());
                row.put("published", p.messageId() != null);
                if (p.messageId() != null) {
                    row.put("messageId", p.messageId());
                }
                if (p.error() != null) {
                    row.put("error", p.error());
                }
                rows.add(row);
            }
            out().println(Json.writePretty(rows));
        } else {
            for (Published p : results) {
                out().println((p.messageId() != null ? "published  " + p.messageId() : "NOT sent   " + p.error())
                        + "  " + p.arn());
            }
        }
        out().flush();
    }
}
