package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
 * The inline policy documents Entity Lockdown puts on users and roles.
 *
 * <p>The deny-all document is the inline equivalent of the AWS managed {@code AWSDenyAll}, used when
 * the principal already carries the maximum number of managed policies. The revoke document denies
 * every request signed with credentials issued before containment ({@code aws:TokenIssueTime}), which
 * keeps stolen sessions dead after the deny-all is removed on release.
 */
public final class DenyPolicies {
    /** Inline fallback for {@code AWSDenyAll}. */
    public static final String DENY_ALL_NAME = "EntityLockdownDenyAll";
    /** Inline deny on sessions issued before containment; kept on release. */
    public static final String REVOKE_NAME = "EntityLockdownRevokeOlderSessions";
    public static final String TOKEN_ISSUE_TIME = "aws:TokenIssueTime";
    private static final String VERSION = "2012-10-17";

    private DenyPolicies() {
    }

    /** Deny every action on every resource, without condition. */
    public static String denyAll() {
        ObjectNode statement = statement("EntityLockdownDenyAll");
        return Json.write(document(statement));
    }

    /** Deny everything to credentials issued before {@code before} (ISO-8601 UTC, whole seconds). */
    public static String revokeOlderSessions(Instant before) {
        ObjectNode statement = statement("EntityLockdownRevokeOlderSessions");
        statement.putObject("Condition").putObject("DateLessThan").put(TOKEN_ISSUE_TIME, iso(before));
        return Json.write(document(statement));
    }

    /**
     * The instant a revoke document cuts off at; empty when the document is not a revoke document
     * (someone edited it by hand), so the caller rewrites it.
     */
    public static Optional<Instant> revokedBefore(String document) {
        JsonNode statement = onlyStatement(document);
        if (statement == null || !isDenyEverything(statement)) {
            return Optional.empty();
        }
        JsonNode value = statement.path("Condition").path("DateLessThan").path(TOKEN_ISSUE_TIME);
        if (!value.isTextual()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value.asText()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** True when the document denies every action on every resource unconditionally. */
    public static boolean deniesEverything(String document) {
        JsonNode statement = onlyStatement(document);
        return statement != null && isDenyEverything(statement) && !statement.has("Condition");
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

    private static ObjectNode statement(String sid) {
        ObjectNode statement = Json.mapper().createObjectNode();
        statement.put("Sid", sid);
        statement.put("Effect", "Deny");
        statement.put("Action", "*");
        statement.put("Resource", "*");
        return statement;
    }

    private static ObjectNode document(ObjectNode statement) {
        ObjectNode document = Json.mapper().createObjectNode();
        document.put("Version", VERSION);
        document.putArray("Statement").add(statement);
        return document;
    }

    private static JsonNode onlyStatement(String document) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(decode(document));
        } catch (IOException e) {
            return null;
        }
        if (root == null) {
            return null;
        }
        JsonNode statements = root.path("Statement");
        if (statements instanceof ArrayNode array) {
            return array.size() == 1 ? array.get(0) : null;
        }
        return statements.isObject() ? statements : null;
    }

    private static boolean isDenyEverything(JsonNode statement) {
        return "Deny".equals(statement.path("Effect").asText())
                && isStar(statement.path("Action")) && isStar(statement.path("Resource"));
    }

    private static boolean isStar(JsonNode node) {
        if (node.isTextual()) {
            return node.asText().equals("*");
        }
        return node instanceof ArrayNode array && array.size() == 1 && array.get(0).asText().equals("*");
    }
}
