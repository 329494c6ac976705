package io.entitylockdown.cli;

import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.report.AwsErrors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Re-submits what the kept-events queue holds: every lockdown request in it is published again to the
 * lockdown topic, exactly as it was first published (body, subject and attributes, the ExternalId among
 * them), and its queue message is deleted once the topic accepted every request it held.
 *
 * <p>Why publish rather than invoke the function: it needs only {@code sns:Publish}, which the people who
 * replay already have as publishers; the request takes the deployed path again (topic policy, the
 * function's authentication, audit, retries); and if it fails again it is kept again, as a new message, so
 * deleting the old one loses nothing. The outcome arrives on the audit topic.
 */
@Command(name = "replay", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Re-submit the lockdown requests kept on the kept-events queue (output KeptEventsQueueUrl), "
                + "once the cause named in the failure e-mail is fixed: each is published again to the lockdown topic "
                + "as it was first published, and its message is deleted when the topic accepted it. Understands "
                + "Lambda's on-failure records (requestPayload) and SNS's dead letters (envelope or raw delivery).",
            "EC2 phase-2 dead letters and unrecognised messages are left on the queue with what to do. The queue's "
                + "KeptEventsAlarm clears when the queue is empty."},
        footer = {"", "Examples:",
            "  Q=https://sqs.us-east-1.amazonaws.com/999999999999/entity-lockdown-KeptEventsQueue-AbC",
            "  lockdown replay --dry-run --queue $Q      (what would be published, and deleted)",
            "  lockdown replay --max 10 --queue $Q",
            "",
            "Needs sqs:ReceiveMessage, sqs:DeleteMessage and sqs:ChangeMessageVisibility on the queue and",
            "sns:Publish on the lockdown topic. Never prints the ExternalId.",
            "Exit codes: 0 everything replayed (or nothing kept), 1 something was left on the queue, 2 bad input."})
final class ReplayCommand extends Subcommand {
    private static final Pattern QUEUE_URL = Pattern.compile("https?://[^/]+/[0-9]{12}/[\\w.-]{1,80}");
    private static final Pattern AWS_QUEUE_HOST = Pattern.compile("https://sqs\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?/.*");
    private static final Pattern TOPIC = Pattern.compile("arn:aws[a-z-]*:sns:([a-z0-9-]+):[0-9]{12}:[\\w-]{1,256}");
    /** Long enough to publish a batch again; messages not deleted are made visible again at the end. */
    private static final int VISIBILITY_SECONDS = 120;

    @Option(names = "--queue", paramLabel = "URL", required = true,
            description = "The kept-events queue (stack output KeptEventsQueueUrl).")
    String queueUrl;

    @Option(names = "--topic-arn", paramLabel = "ARN",
            description = "Publish here (default: the topic each request was first published to, where the message "
                    + "says; a raw SNS dead letter does not, so give it then).")
    String topicArn;

    @Option(names = "--dry-run", description = "Print what would be published and deleted; publish and delete nothing.")
    boolean dryRun;

    @Option(names = "--max", paramLabel = "N", defaultValue = "100",
            description = "Handle at most N queue messages (default ${DEFAULT-VALUE}).")
    int max;

    @Mixin
    OutputOptions output;

    /** What happened to one queue message. */
    record Outcome(String messageId, String shape, List<String> entities, String action, String detail) {
    }

    @Override
    int run() {
        String queue = queueUrl.strip();
        if (!QUEUE_URL.matcher(queue).matches()) {
            throw CliException.badInput("--queue '" + queue + "' is not an SQS queue URL like https://sqs.us-east-1."
                    + "amazonaws.com/999999999999/entity-lockdown-KeptEventsQueue-AbC; copy it from the stack's outputs");
        }
        if (topicArn != null && !TOPIC.matcher(topicArn.strip()).matches()) {
            throw CliException.badInput("--topic-arn '" + topicArn + "' is not an SNS topic ARN");
        }
        if (max < 1 || max > 10_000) {
            throw CliException.badInput("--max must be between 1 and 10000; got " + max);
        }
        AwsSettings settings = environment().awsSettings();
        Matcher awsHost = AWS_QUEUE_HOST.matcher(queue);
        Region queueRegion = awsHost.matches() ? Region.of(awsHost.group(1)) : settings.homeRegion();
        List<Outcome> outcomes = new ArrayList<>();
        try (AccountSessions own = new AccountSessions(settings, Access.callerCredentials());
                SqsClient sqs = own.caller().configure(SqsClient.builder(), queueRegion).build()) {
            Map<Region, SnsClient> topics = new HashMap<>();
            try {
                replay(sqs, queue, own, topics, outcomes);
            } finally {
                topics.values().forEach(SnsClient::close);
            }
        }
        print(outcomes);
        long left = outcomes.stream().filter(o -> !o.action().equals("replayed") && !o.action().equals("would replay"))
                .count();
        if (outcomes.isEmpty()) {
            err().println("The queue holds no message: nothing to replay.");
        } else if (left > 0) {
            err().println(left + " message(s) left on the queue; the lines above say what to do with each. The "
                    + "KeptEventsAlarm stays in ALARM until the queue is empty.");
        }
        err().flush();
        return left > 0 ? ExitCodes.FAILED : ExitCodes.OK;
    }

    private void replay(SqsClient sqs, String queue, AccountSessions own, Map<Region, SnsClient> topics,
            List<Outcome> outcomes) {
        Set<String> seen = new LinkedHashSet<>();
        List<String> toShowAgain = new ArrayList<>();
        try {
            while (seen.size() < max) {
                int wanted = Math.min(10, max - seen.size());
                List<Message> batch;
                try {
                    batch = sqs.receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(wanted)
                            .visibilityTimeout(VISIBILITY_SECONDS).messageAttributeNames("All").waitTimeSeconds(1))
                            .messages();
                } catch (RuntimeException e) {
                    if (seen.isEmpty()) {
                        throw new CliException(ExitCodes.BAD_INPUT,
                                "Cannot read the queue " + queue + ": " + AwsErrors.describe(e, "sqs:ReceiveMessage"));
                    }
                    // what was replayed so far is printed all the same: the responder must know it
                    outcomes.add(new Outcome("-", "-", List.of(), "stopped", "could not read further messages ("
                            + AwsErrors.describe(e, "sqs:ReceiveMessage") + "); run the same command again for the rest"));
                    return;
                }
                if (batch.isEmpty() || batch.stream().allMatch(m -> seen.contains(m.messageId()))) {
                    return;
                }
                for (Message message : batch) {
                    if (seen.add(message.messageId())) {
                        Outcome outcome = handle(sqs, queue, own, topics, message);
                        outcomes.add(outcome);
                        if (!outcome.action().equals("replayed")) {
                            toShowAgain.add(message.receiptHandle());
                        }
                    }
                }
            }
        } finally {
            // Whatever stays on the queue is visible again at once, so that the alarm and the next replay see it.
            for (String handle : toShowAgain) {
                try {
                    sqs.changeMessageVisibility(b -> b.queueUrl(queue).receiptHandle(handle).visibilityTimeout(0));
                } catch (RuntimeException e) {
                    // it reappears after the visibility timeout anyway
                }
            }
        }
    }

    private Outcome handle(SqsClient sqs, String queue, AccountSessions own, Map<Region, SnsClient> topics,
            Message message) {
        KeptEvent kept;
        try {
            kept = KeptEvent.of(message);
        } catch (RuntimeException e) {
            // one unreadable message (say, a bad binary attribute) must not stop every later replay
            return new Outcome(message.messageId(), "unreadable", List.of(), "left", "could not be read ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); read it with aws sqs receive-message "
                    + "and act on it by hand");
        }
        List<String> entities = kept.requests().stream()
                .map(r -> r.operation() + " " + r.shownArn()).toList();
        if (kept.problem() != null) {
            return new Outcome(kept.messageId(), kept.shape().label(), entities, "left", kept.problem());
        }
        for (KeptEvent.Request request : kept.requests()) {
            String topic = topicArn != null ? topicArn.strip() : request.topicArn();
            if (topic.isEmpty()) {
                return new Outcome(kept.messageId(), kept.shape().label(), entities, "left",
                        "the message does not say which topic it came from; run again with --topic-arn");
            }
        }
        if (dryRun) {
            return new Outcome(kept.messageId(), kept.shape().label(), entities, "would replay",
                    "would publish " + kept.requests().size() + " request(s) to " + topicOf(kept) + " and delete it");
        }
        List<String> published = new ArrayList<>();
        for (KeptEvent.Request request : kept.requests()) {
            String topic = topicArn != null ? topicArn.strip() : request.topicArn();
            Matcher matcher = TOPIC.matcher(topic);
            Region region = matcher.matches() ? Region.of(matcher.group(1)) : own.settings().homeRegion();
            SnsClient sns = topics.computeIfAbsent(region,
                    r -> own.caller().configure(SnsClient.builder(), r).build());
            try {
                published.add(sns.publish(b -> b.topicArn(topic).message(request.body()).subject(request.subject())
                        .messageAttributes(request.attributes())).messageId());
            } catch (RuntimeException e) {
                String done = published.isEmpty() ? "" : " (" + published.size() + " of its requests were published "
                        + "already; publishing them again is safe, every step is idempotent)";
                return new Outcome(kept.messageId(), kept.shape().label(), entities, "left",
                        "could not publish to " + topic + ": " + AwsErrors.describe(e, "sns:Publish") + done);
            }
        }
        try {
            sqs.deleteMessage(b -> b.queueUrl(queue).receiptHandle(message.receiptHandle()));
        } catch (RuntimeException e) {
            return new Outcome(kept.messageId(), kept.shape().label(), entities, "replayed, not deleted",
                    "published as " + String.join(", ", published) + ", but could not delete it ("
                            + AwsErrors.describe(e, "sqs:DeleteMessage") + "); delete it by hand, it is handled");
        }
        return new Outcome(kept.messageId(), kept.shape().label(), entities, "replayed",
                "published as " + String.join(", ", published) + "; deleted from the queue");
    }

    private String topicOf(KeptEvent kept) {
        return topicArn != null ? topicArn.strip() : kept.requests().get(0).topicArn();
    }

    private static String line(Outcome outcome) {
        return outcome.action().toUpperCase(java.util.Locale.ROOT) + "  message " + outcome.messageId() + " ("
                + outcome.shape() + ")" + (outcome.entities().isEmpty() ? "" : ": " + String.join("; ", outcome.entities()))
                + " - " + outcome.detail();
    }

    private void print(List<Outcome> outcomes) {
        if (output.json()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Outcome outcome : outcomes) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("messageId", outcome.messageId());
                row.put("shape", outcome.shape());
                row.put("requests", outcome.entities());
                row.put("action", outcome.action());
                row.put("detail", outcome.detail());
                rows.add(row);
            }
            out().println(Json.writePretty(rows));
        } else {
            outcomes.forEach(o -> out().println(line(o)));
        }
        out().flush();
    }
}
