package io.entitylockdown.core.ec2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The inline role policies that deny everything to the credentials a role delivered to a contained
 * instance. The condition key {@code ec2:SourceInstanceARN} is set by EC2 on the credentials of an
 * instance profile and follows them when they are stolen and used elsewhere, so other instances that
 * share the role keep working.
 *
 * <p>One policy per instance, {@code EntityLockdownDenyInstance-<instance id>}: concurrent
 * containments of instances on one role never write the same policy, so none can lose another's
 * update (see docs/ec2-instance.md for the role's inline quota).
 */
public final class CredentialDenyPolicy {
    /** Prefix of the per-instance policy names. */
    public static final String PER_INSTANCE_PREFIX = "EntityLockdownDenyInstance-";
    static final String SID = "EntityLockdownContainedInstances";
    static final String CONDITION_KEY = "ec2:SourceInstanceARN";
    /** IAM: the inline policies of one role together may hold 10,240 characters, white space not counted. */
    public static final int ROLE_INLINE_LIMIT = 10_240;

    private CredentialDenyPolicy() {
    }

    public static String perInstanceName(String instanceId) {
        return PER_INSTANCE_PREFIX + instanceId;
    }

    /** The policy document denying everything to the credentials of these instances (sorted, no duplicates). */
    public static String document(Collection<String> instanceArns) {
        if (instanceArns.isEmpty()) {
            throw new IllegalArgumentException("A credentials deny policy needs at least one instance ARN");
        }
        return Json.write(tree(new TreeSet<>(instanceArns)));
    }

    private static ObjectNode tree(Set<String> instanceArns) {
        ObjectNode policy = Json.mapper().createObjectNode();
        policy.put("Version", "2012-10-17");
        ObjectNode statement = policy.putArray("Statement").addObject();
        statement.put("Sid", SID);
        statement.put("Effect", "Deny");
        statement.put("Action", "*");
        statement.put("Resource", "*");
        ArrayNode arns = statement.putObject("Condition").putObject("ArnEquals").putArray(CONDITION_KEY);
        instanceArns.forEach(arns::add);
        return policy;
    }

    /**
     * The instance ARNs a document lists, when it is exactly a document {@link #document} writes;
     * empty for anything else (a look-alike denies what it likes, not what the lockdown needs).
     */
    public static Optional<Set<String>> instanceArns(String document) {
        String text = document.trim().startsWith("{") ? document : URLDecoder.decode(document, StandardCharsets.UTF_8);
        JsonNode policy;
        try {
            policy = Json.mapper().readTree(text);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (policy == null) {
            return Optional.empty();
        }
        JsonNode values = policy.path("Statement").path(0).path("Condition").path("ArnEquals").path(CONDITION_KEY);
        if (!values.isArray() || values.isEmpty()) {
            return Optional.empty();
        }
        Set<String> arns = new TreeSet<>();
        values.forEach(v -> arns.add(v.asText()));
        return tree(arns).equals(policy) ? Optional.of(arns) : Optional.empty();
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
