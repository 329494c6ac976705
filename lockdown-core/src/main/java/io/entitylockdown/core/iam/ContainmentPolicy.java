package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The one inline policy Entity Lockdown puts on a user or role, {@value #NAME}. It needs no prior
 * read (the name is the lockdown's own), so it is the first request of a containment.
 *
 * <p>While contained it has two statements: deny everything, and deny every request signed with
 * credentials issued before the containment ({@code aws:TokenIssueTime}). Release removes the first
 * and keeps the second, so stolen sessions stay dead after release.
 *
 * <p>Both are conditioned on {@code aws:PrincipalArn} equal to the ARN the responder gave. IAM finds
 * users and roles by name, whatever path an ARN names; the condition makes a policy written under a
 * wrong path (which the guardrails judged on the wrong ARN) deny nothing, until the lookup that runs
 * alongside it proves the ARN exact.
 *
 * <p>A policy of this name counts as in force only when its document is exactly one this class writes
 * ({@link #parse}); anything else is a look-alike, and containment writes the real one over it.
 */
public final class ContainmentPolicy {
    public static final String NAME = "EntityLockdownContainment";
    static final String DENY_ALL_SID = "EntityLockdownDenyAll";
    static final String REVOKE_SID = "EntityLockdownRevokeOlderSessions";
    static final String PRINCIPAL_ARN = "aws:PrincipalArn";
    static final String TOKEN_ISSUE_TIME = "aws:TokenIssueTime";
    private static final String VERSION = "2012-10-17";

    /**
     * What a genuine document says.
     *
     * @param denyAll true while contained (the deny-everything statement is there)
     * @param cutOff  sessions issued before this are denied
     */
    public record Form(boolean denyAll, Instant cutOff) {
    }

    private ContainmentPolicy() {
    }

    /** The document: deny everything (when {@code denyAll}) and sessions issued before {@code cutOff}. */
    public static String document(String principalArn, Instant cutOff, boolean denyAll) {
        return Json.write(tree(principalArn, cutOff, denyAll));
    }

    private static ObjectNode tree(String principalArn, Instant cutOff, boolean denyAll) {
        ObjectNode document = Json.mapper().createObjectNode();
        document.put("Version", VERSION);
        var statements = document.putArray("Statement");
        if (denyAll) {
            ObjectNode all = statements.addObject();
            all.put("Sid", DENY_ALL_SID);
            all.put("Effect", "Deny");
            all.put("Action", "*");
            all.put("Resource", "*");
            all.putObject("Condition").putObject("ArnEquals").put(PRINCIPAL_ARN, principalArn);
        }
        ObjectNode revoke = statements.addObject();
        revoke.put("Sid", REVOKE_SID);
        revoke.put("Effect", "Deny");
        revoke.put("Action", "*");
        revoke.put("Resource", "*");
        ObjectNode condition = revoke.putObject("Condition");
        condition.putObject("DateLessThan").put(TOKEN_ISSUE_TIME, iso(cutOff));
        condition.putObject("ArnEquals").put(PRINCIPAL_ARN, principalArn);
        return document;
    }

    /**
     * What a document of this name says, when it is exactly one this class writes for this principal;
     * empty for anything else (edited, planted, another principal's, unreadable).
     */
    public static Optional<Form> parse(String document, String principalArn) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(decode(document));
        } catch (IOException e) {
            return Optional.empty();
        }
        if (root == null) {
            return Optional.empty();
        }
        JsonNode revoke = root.path("Statement").path(root.path("Statement").size() - 1);
        String time = revoke.path("Condition").path("DateLessThan").path(TOKEN_ISSUE_TIME).asText("");
        Instant cutOff;
        try {
            cutOff = Instant.parse(time);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        for (boolean denyAll : new boolean[] {true, false}) {
            if (tree(principalArn, cutOff, denyAll).equals(root)) {
                return Optional.of(new Form(denyAll, cutOff));
            }
        }
        return Optional.empty();
    }

    /**
     * The moment sessions are cut off at: {@code now} rounded up to the next whole second, so that a
     * session issued earlier in the same second is revoked too (IAM compares at second precision).
     */
    public static Instant cutOff(Instant now) {
        Instant seconds = now.truncatedTo(ChronoUnit.SECONDS);
        return seconds.equals(now) ? seconds : seconds.plusSeconds(1);
    }

    /** ISO-8601 UTC with a Z, whole seconds: 2026-11-28T21:10:01Z. */
    public static String iso(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** IAM returns inline policy documents URL-encoded (RFC 3986); decode when needed. */
    public static String decode(String document) {
        if (document == null) {
            return "";
        }
        String trimmed = document.strip();
        if (trimmed.startsWith("{")) {
            return trimmed;
        }
        return URLDecoder.decode(trimmed, StandardCharsets.UTF_8);
    }
}
