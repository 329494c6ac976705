package io.entitylockdown.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.testkit.MotoServer;
import io.entitylockdown.testkit.MotoUnavailableException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The whole story against a local moto server: a stolen key works, the lockdown message is
 * published and handled, the key is denied, every entity's state before and after, the release.
 */
@Command(name = "demo", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Show Entity Lockdown working end to end on this machine, with no AWS account: starts a "
                + "local AWS emulator (moto server), seeds two accounts and two regions (an IAM user with an access "
                + "key, an IAM role, a Lambda function, an EC2 instance with two network interfaces in an Auto Scaling "
                + "group, the member roles), then contains them (four from lockdown messages, a role session from a "
                + "GuardDuty finding, the owner of a leaked access key from a Security Hub custom action) and releases "
                + "them. Takes well under a minute; stops the emulator and leaves nothing running.",
            "",
            "Needs moto server: python3 -m pip install 'moto[server]==5.2.1'"},
        footer = {"", "Examples:",
            "  lockdown demo",
            "  lockdown demo --window 5     (a longer EC2 window between phase 1 and 2)",
            "  ./lockdown demo              (from a fresh clone: builds the tool first)"})
final class DemoCommand extends Subcommand {
    private static final int MAX_WINDOW = 30;

    @Option(names = "--window", paramLabel = "SECONDS", defaultValue = "3",
            description = "EC2 window between phase 1 and phase 2 (0-" + MAX_WINDOW + ", default ${DEFAULT-VALUE}).")
    int windowSeconds;

    private final List<String> problems = new ArrayList<>();
    private final long started = System.nanoTime();

    @Override
    int run() {
        if (windowSeconds < 0 || windowSeconds > MAX_WINDOW) {
            throw CliException.badInput("--window must be between 0 and " + MAX_WINDOW + " for the demo; got "
                    + windowSeconds);
        }
        MotoServer moto;
        try {
            say("Starting moto server (a local AWS emulator) ...");
            moto = MotoServer.start(MotoServer.Options.standard());
        } catch (MotoUnavailableException e) {
            err().println("lockdown demo: " + EntityCommand.withoutFullStop(e.getMessage()) + ".");
            err().println("The demo needs moto server on this machine. Install it with:");
            err().println("    python3 -m pip install 'moto[server]==5.2.1'");
            err().println("then run 'lockdown demo' again.");
            return ExitCodes.BAD_INPUT;
        }
        Thread stopOnExit = new Thread(moto::close, "demo-moto-stop");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            say("moto server pid " + moto.pid() + " on " + moto.endpoint());
            return story(moto);
        } finally {
            moto.close();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run; moto is stopped either way
            }
            say("moto server stopped (pid " + moto.pid() + (moto.isAlive() ? " STILL RUNNING" : " gone") + ").");
        }
    }

    private int story(MotoServer moto) {
        URI endpoint = moto.endpoint();
        chapter(1, "An estate in two accounts and two regions");
        DemoEstate estate = DemoEstate.seed(endpoint);
        estate.seeded.forEach(line -> say("  seeded " + line));

        chapter(2, "The attacker uses mallory's stolen access key");
        String before = useStolenKey(endpoint, estate.stolenKey);
        say("  " + before);
        expect(before.startsWith("it works"), "the stolen key did not work before containment");

        try (DemoObserver observer = new DemoObserver(endpoint, estate)) {
            chapter(3, "Before: what each entity looks like");
            observer.describe().forEach(line -> say("  " + line));

            chapter(4, "A responder publishes the lockdown message (the original format: attributes Arn, ExternalId)");
            say("  $ lockdown publish --topic-arn " + estate.topicArn + " ARN...   (ExternalId from LOCKDOWN_EXTERNAL_ID)");
            int published = inner(environment(endpoint, estate, estate.auditors.get(DemoEstate.SECURITY_ACCOUNT)),
                    concat(List.of("publish", "--topic-arn", estate.topicArn), estate.entities()));
            expect(published == ExitCodes.OK, "publish exited " + published);

            chapter(5, "The lockdown function receives each message and contains the entity");
            List<JsonNode> envelopes = receive(endpoint, estate, estate.queueUrl, estate.entities().size(), 10);
            List<String> arns = envelopes.stream().map(e -> e.at("/MessageAttributes/Arn/Value").asText()).toList();
            expect(arns.containsAll(estate.entities()), "not every published message arrived: " + arns);
            say("  " + envelopes.size() + " message(s) reached the topic. The function's own code (LockdownHandler) runs "
                    + "here on each, as Lambda would call it, with the function's variables; it checks the ExternalId, "
                    + "assumes " + DemoEstate.MEMBER_ROLE + " in the entity's account and contains it.");
            DemoFindings.BatchUpdateRecorder securityHubCalls = new DemoFindings.BatchUpdateRecorder();
            DemoFunction function = new DemoFunction(endpoint, estate, windowSeconds, err(), debug(), securityHubCalls);
            boolean first = true;
            for (JsonNode envelope : envelopes) {
                JsonNode event = DemoFunction.snsEvent(envelope, estate.topicArn);
                if (first) {
                    say("  The SNS event Lambda delivers (the first of " + envelopes.size() + "):");
                    DemoFunction.shown(event).lines().forEach(line -> say("    " + line));
                    first = false;
                }
                handled(function.invoke(event));
            }
            if (estate.instanceArn != null && arns.contains(estate.instanceArn)) {
                say("  The EC2 instance is in phase 1 (untracked group, short idle timeouts). The function does not "
                        + "sleep: it put phase 2 on its delay queue, " + windowSeconds + " s ahead.");
                Countdown.await(java.time.Instant.now().plusSeconds(windowSeconds), "phase 2 message due",
                        out(), java.time.Clock.systemUTC());
                List<Message> phase2 = receiveRaw(endpoint, estate, estate.phase2QueueUrl, 1, windowSeconds + 15);
                expect(!phase2.isEmpty(), "the phase-2 message did not arrive on the delay queue");
                for (Message message : phase2) {
                    say("  Phase-2 message " + message.messageId() + " arrived; the function handles it:");
                    handled(function.invoke(DemoFunction.sqsEvent(message, estate.phase2QueueArn)));
                }
            }

            chapter(6, "Findings in: a GuardDuty finding and a Security Hub custom action");
            findings(function, estate, securityHubCalls);
            if (!debug()) {
                say("  (The function also wrote " + function.logLines() + " structured log lines, one JSON object per "
                        + "step, as it does to CloudWatch Logs; 'lockdown demo --debug' shows them.)");
            }

            chapter(7, "What people were told (the audit topic)");
            // started and succeeded per entity, phase 2 of the instance, the Security Hub update moto could not take
            int audits = 2 * estate.allEntities().size() + 2;
            for (JsonNode audit : receive(endpoint, estate, estate.auditQueueUrl, audits, 5)) {
                say("  " + audit.path("Subject").asText("(no subject)"));
            }

            chapter(8, "The attacker tries the stolen key again");
            String after = useStolenKey(endpoint, estate.stolenKey);
            say("  " + after);
            expect(after.startsWith("denied"), "the stolen key still works after containment");

            chapter(9, "After: what each entity looks like now");
            observer.describe().forEach(line -> say("  " + line));

            chapter(10, "What the lockdown recorded");
            say("  $ lockdown status ARN...");
            int status = inner(environment(endpoint, estate, estate.lockdownIdentity),
                    concat(List.of("status"), estate.allEntities()));
            expect(status == ExitCodes.OK, "status exited " + status);

            chapter(11, "The incident is over: release");
            say("  $ lockdown release ARN...   (mallory's and build-bot's keys stay inactive: rotate them, do not "
                    + "revive them)");
            int released = inner(environment(endpoint, estate, estate.lockdownIdentity),
                    concat(List.of("release"), estate.allEntities()));
            expect(released == ExitCodes.OK, "release exited " + released);
            observer.describe().forEach(line -> say("  " + line));
        }

        chapter(12, "The end");
        if (problems.isEmpty()) {
            say("  Every step of the story behaved as it should.");
            return ExitCodes.OK;
        }
        problems.forEach(problem -> err().println("lockdown demo: " + problem));
        err().println("lockdown demo: the story did not go as it should; run 'lockdown demo --debug' and read the "
                + "failed steps above");
        return ExitCodes.FAILED;
    }

    /**
     * A real call signed with the stolen key, with moto's IAM enforcement switched on for it: moto then
     * checks the signature and evaluates mallory's policies, as AWS does. Enforcement is switched off
     * again afterwards because moto's signature check rejects some valid Lambda requests (paths with
     * an ARN in them), which would fail the lockdown's own calls for reasons AWS does not have.
     */
    private static String useStolenKey(URI endpoint, AwsCredentialsProvider key) {
        enforceIam(endpoint, true);
        try {
            return callWith(endpoint, key);
        } finally {
            enforceIam(endpoint, false);
        }
    }

    private static String callWith(URI endpoint, AwsCredentialsProvider key) {
        try (AccountSessions sessions = new AccountSessions(DemoEstate.settings(endpoint, key), Access.callerCredentials())) {
            IamClient iam = sessions.session("aws", DemoEstate.WORKLOAD_ACCOUNT, DemoEstate.EAST, "attacker").iam();
            String arn = iam.getUser(b -> b.userName("mallory")).user().arn();
            return "it works: iam:GetUser answers " + arn;
        } catch (AwsServiceException e) {
            // moto's IAM error body is shaped like EC2's, so the SDK cannot read its code: look at the body
            String body = e.awsErrorDetails() == null || e.awsErrorDetails().rawResponse() == null ? ""
                    : e.awsErrorDetails().rawResponse().asUtf8String();
            if (AwsErrors.isAccessDenied(e) || body.contains("<Code>AccessDenied</Code>")) {
                return "denied: iam:GetUser answers AccessDenied (HTTP " + e.statusCode() + ")";
            }
            return "failed for another reason: " + AwsErrors.describe(e, "iam:GetUser") + " " + body;
        } catch (RuntimeException e) {
            return "failed for another reason: " + AwsErrors.describe(e, "iam:GetUser");
        }
    }

    /**
     * The same function on two EventBridge events: a GuardDuty finding it contains on its own (a role
     * session), and a Security Hub custom action a person chose (the owner of a leaked key). The Security
     * Hub update moto lacks is shown as the request the function sent.
     */
    private void findings(DemoFunction function, DemoEstate estate, DemoFindings.BatchUpdateRecorder securityHubCalls) {
        say("  The function also takes EventBridge events. GuardDuty reports API calls from a known malicious IP "
                + "address signed with session " + DemoEstate.SESSION_NAME + " of role " + DemoEstate.SESSION_ROLE + " ("
                + DemoFindings.GUARDDUTY_TYPE + ", severity 5). The function is set to contain "
                + DemoFindings.AUTO_CONTAIN_TYPES + " findings from severity " + DemoFindings.MIN_SEVERITY + " on its "
                + "own, so it acts: it denies that session alone, on the role (aws:userid = the role's id and the session "
                + "name); other sessions of the role keep working. The finding's resource:");
        JsonNode guardDuty = DemoFindings.guardDuty(estate);
        Json.writePretty(guardDuty.at("/detail/resource")).lines().forEach(line -> say("    " + line));
        DemoFunction.Invocation session = function.invoke(guardDuty);
        handled(session);
        expect(session.response().at("/results/0/entity").asText().equals(estate.sessionArn),
                "the GuardDuty finding did not lead to session " + estate.sessionArn);

        say("  A secret scanner found build-bot's access key in a public repository and reported it to Security Hub, "
                + "by the key id alone. A responder chose the custom action 'Contain entity' on the finding: the "
                + "function asks IAM whose key it is (iam:GetAccessKeyLastUsed) and contains that user.");
        DemoFunction.Invocation key = function.invoke(DemoFindings.securityHub(estate));
        handled(key);
        JsonNode result = key.response().at("/results/0");
        expect(result.path("entity").asText().equals(estate.buildBotArn),
                "the Security Hub finding did not lead to " + estate.buildBotArn);
        List<DemoFindings.BatchUpdateRecorder.Sent> sent = securityHubCalls.sent();
        expect(sent.size() == 1, "the function sent " + sent.size() + " BatchUpdateFindings requests, not 1");
        for (DemoFindings.BatchUpdateRecorder.Sent request : sent) {
            say("  Then it marks the finding NOTIFIED with a note. The request it sent (securityhub:BatchUpdateFindings):");
            say("    " + request.method() + " " + request.path());
            Json.writePretty(request.body()).lines().forEach(line -> say("    " + line));
            expect(request.body().at("/Workflow/Status").asText().equals("NOTIFIED"),
                    "the BatchUpdateFindings request does not set the workflow to NOTIFIED");
        }
        JsonNode update = result.path("securityHubUpdate");
        if (update.path("updated").asBoolean(false)) {
            say("  Security Hub accepted it.");
        } else {
            say("  moto has no BatchUpdateFindings, so it could not answer (" + update.path("problem").asText()
                    + "); the function audited that the finding was NOT updated, with the note to set by hand (next "
                    + "chapter). On AWS this request marks the finding NOTIFIED.");
        }
    }

    /** Prints what the handler did and notes a failed or refused containment as a problem of the story. */
    private void handled(DemoFunction.Invocation invocation) {
        for (JsonNode result : invocation.response().path("results")) {
            say("    -> " + result.path("summary").asText());
            for (JsonNode step : result.path("report").path("steps")) {
                if (!step.path("status").asText().equals("done") && !step.path("status").asText().equals("already")
                        && !step.path("status").asText().equals("skipped")) {
                    say("       " + step.path("step").asText() + " " + step.path("status").asText() + ": "
                            + step.path("detail").asText());
                }
            }
            expect(result.path("outcome").asText().equals("succeeded"),
                    result.path("entity").asText() + " was not contained: " + result.path("summary").asText());
        }
        if (invocation.failure() != null) {
            expect(false, "the function failed the invocation: " + invocation.failure());
        }
    }

    /** The SNS envelopes of the messages a topic delivered to its queue. */
    private List<JsonNode> receive(URI endpoint, DemoEstate estate, String queueUrl, int expected, int seconds) {
        List<JsonNode> envelopes = new ArrayList<>();
        for (Message message : receiveRaw(endpoint, estate, queueUrl, expected, seconds)) {
            try {
                envelopes.add(Json.mapper().readTree(message.body()));
            } catch (IOException e) {
                throw new CliException(ExitCodes.FAILED, "A message on " + queueUrl + " was not JSON: " + e.getMessage());
            }
        }
        return envelopes;
    }

    /** Messages from a queue (deleted as they are read), waiting up to {@code seconds} for {@code expected} of them. */
    private static List<Message> receiveRaw(URI endpoint, DemoEstate estate, String queueUrl, int expected, int seconds) {
        List<Message> messages = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        try (AccountSessions sessions = new AccountSessions(DemoEstate.settings(endpoint,
                estate.auditors.get(DemoEstate.SECURITY_ACCOUNT)), Access.callerCredentials());
                SqsClient sqs = sessions.caller().configure(SqsClient.builder(), Region.US_EAST_1).build()) {
            do {
                for (Message message : sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(1)).messages()) {
                    messages.add(message);
                    sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
                }
            } while (messages.size() < expected && System.nanoTime() < deadline);
        }
        return messages;
    }

    private int inner(CliEnvironment environment, List<String> args) {
        CommandLine command = LockdownCommand.commandLine(environment);
        command.setOut(out());
        command.setErr(err());
        List<String> all = new ArrayList<>(args);
        if (debug()) {
            all.add(1, "--debug");
        }
        return command.execute(all.toArray(String[]::new));
    }

    private static CliEnvironment environment(URI endpoint, DemoEstate estate, AwsCredentialsProvider credentials) {
        Map<String, String> variables = new HashMap<>();
        variables.put("AWS_ENDPOINT_URL", endpoint.toString());
        variables.put("AWS_REGION", DemoEstate.EAST);
        variables.put(CliEnvironment.EXTERNAL_ID, estate.externalId);
        return new CliEnvironment(variables, settings -> settings.withCredentials(credentials)
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), 2));
    }

    /** Switches moto's IAM enforcement on (every request checked, as AWS does) or off (its reset-auth switch). */
    private static void enforceIam(URI endpoint, boolean on) {
        try {
            HttpURLConnection connection = (HttpURLConnection) endpoint.resolve("/moto-api/reset-auth").toURL()
                    .openConnection();
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            // a form content type would make Flask swallow the body
            connection.setRequestProperty("Content-Type", "text/plain");
            connection.setConnectTimeout(2000);
            connection.setReadTimeout(10000);
            try (OutputStream body = connection.getOutputStream()) {
                body.write((on ? "0" : "inf").getBytes(StandardCharsets.US_ASCII));
            }
            int code = connection.getResponseCode();
            connection.getInputStream().readAllBytes();
            connection.disconnect();
            if (code != 200) {
                throw new CliException(ExitCodes.FAILED, "moto refused to enforce IAM (HTTP " + code + "); is it moto 5?");
            }
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "Could not switch on IAM enforcement in moto: " + e.getMessage());
        }
    }

    private void expect(boolean condition, String problem) {
        if (!condition) {
            problems.add(problem);
            say("  !! " + problem);
        }
    }

    private void chapter(int number, String title) {
        PrintWriter out = out();
        out.println();
        out.printf("== %d. %s   [%.1f s]%n", number, title, (System.nanoTime() - started) / 1e9);
        out.flush();
    }

    private void say(String line) {
        out().println(line);
        out().flush();
    }

    private static List<String> concat(List<String> head, List<String> tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(tail);
        return all;
    }
}
