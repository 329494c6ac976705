package io.entitylockdown.core.ec2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.LockdownException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The inline policy, one per role, that denies everything to the credentials the role delivered to
 * contained instances. The condition key {@code ec2:SourceInstanceARN} is set by EC2 on the
 * credentials of an instance profile, and follows them when they are stolen and used elsewhere, so
 * other instances sharing the role keep working.
 */
public final class CredentialDenyPolicy {
    public static final String POLICY_NAME = "EntityLockdownInstanceCredentialsDeny";
    static final String SID = "EntityLockdownContainedInstances";
    static final String CONDITION_KEY = "ec2:SourceInstanceARN";
    /** IAM: the inline policies of one role together may hold 10,240 characters, white space not counted. */
    public static final int ROLE_INLINE_LIMIT = 10_240;

    private CredentialDenyPolicy() {
    }

    /** The policy document denying everything to the credentials of these instances (sorted, no duplicates). */
    public static String document(Collection<String> instanceArns) {
        if (instanceArns.isEmpty()) {
            throw new IllegalArgumentException("A credentials deny policy needs at least one instance ARN");
        }
        ObjectNode policy = Json.mapper().createObjectNode();
        policy.put("Version", "2012-10-17");
        ObjectNode statement = policy.putArray("Statement").addObject();
        statement.put("Sid", SID);
        statement.put("Effect", "Deny");
        statement.put("Action", "*");
        statement.put("Resource", "*");
        ArrayNode arns = statement.putObject("Condition").putObject("ArnEquals").putArray(CONDITION_KEY);
        new TreeSet<>(instanceArns).forEach(arns::add);
        return Json.write(policy);
    }

    /**
     * The instance ARNs a document written by {@link #document} lists. IAM returns documents
     * URL-encoded; both forms are accepted.
     */
    public static Set<String> instanceArns(String document) {
        String text = document.trim().startsWith("{") ? document : URLDecoder.decode(document, StandardCharsets.UTF_8);
        JsonNode policy;
        try {
            policy = Json.mapper().readTree(text);
        } catch (IOException e) {
            throw new LockdownException("The role policy " + POLICY_NAME + " is not valid JSON; it was edited by hand. "
                    + "Delete it or fix it, then contain again", e);
        }
        Set<String> arns = new TreeSet<>();
        JsonNode statements = policy.path("Statement");
        Iterable<JsonNode> list = statements.isArray() ? statements : java.util.List.of(statements);
        for (JsonNode statement : list) {
            JsonNode condition = statement.path("Condition");
            for (String operator : new String[] {"ArnEquals", "StringEquals", "ArnLike", "StringLike"}) {
                JsonNode values = condition.path(operator).path(CONDITION_KEY);
                if (values.isTextual()) {
                    arns.add(values.asText());
                } else if (values.isArray()) {
                    values.forEach(v -> arns.add(v.asText()));
                }
            }
        }
        return arns;
    }

    /** How IAM counts a policy against the role's inline quota: every character except white space. */
    public static int quotaSize(String document) {
        int size = 0;
        for (int i = 0; i < document.length(); i++) {
            if (!Character.isWhitespace(document.charAt(i))) {
                size++;
            }
        }
        return size;
    }
}
