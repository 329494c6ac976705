package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import java.io.IOException;
import java.util.Optional;

/**
 * The inline policy that denies one session of a role, {@code EntityLockdownSession-<session name>}:
 * deny everything when {@code aws:userid} is {@code <role id>:<session name>}.
 *
 * <p>For an assumed role, AWS sets {@code aws:userid} to the role's unique id (AROA...), a colon and
 * the role session name; for the credentials of an EC2 instance profile the session name is the
 * instance id. The role id, not the name, goes into the condition: a role deleted and created again
 * under the same name has another id, so the deny never carries over to a stranger.
 *
 * <p>A policy of this name counts as the lockdown's only when its document is exactly {@link #document}
 * for this role id and session ({@link #isExactly}); anything else is a look-alike.
 */
public final class RoleSessionPolicy {
    /** Policy names are this prefix and the session name (2-64 characters of {@code [\w+=,.@-]}, all valid in a policy name). */
    public static final String PREFIX = "EntityLockdownSession-";
    static final String SID = "EntityLockdownDenySession";
    static final String USER_ID = "aws:userid";

    private RoleSessionPolicy() {
    }

    public static String name(String sessionName) {
        return PREFIX + sessionName;
    }

    /** The value of {@code aws:userid} in the requests of that session. */
    public static String userId(String roleId, String sessionName) {
        return roleId + ":" + sessionName;
    }

    public static String document(String roleId, String sessionName) {
        return Json.write(tree(roleId, sessionName));
    }

    private static ObjectNode tree(String roleId, String sessionName) {
        ObjectNode document = Json.mapper().createObjectNode();
        document.put("Version", "2012-10-17");
        ObjectNode statement = document.putArray("Statement").addObject();
        statement.put("Sid", SID);
        statement.put("Effect", "Deny");
        statement.put("Action", "*");
        statement.put("Resource", "*");
        statement.putObject("Condition").putObject("StringEquals").put(USER_ID, userId(roleId, sessionName));
        return document;
    }

    /**
     * The {@code aws:userid} a document denies when it is exactly a session deny this class writes (for
     * any role id and session); empty for anything else.
     */
    public static Optional<String> deniedUserId(String document) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(ContainmentPolicy.decode(document));
        } catch (IOException e) {
            return Optional.empty();
        }
        if (root == null) {
            return Optional.empty();
        }
        String userId = root.at("/Statement/0/Condition/StringEquals").path(USER_ID).asText("");
        int colon = userId.indexOf(':');
        if (colon < 1 || !tree(userId.substring(0, colon), userId.substring(colon + 1)).equals(root)) {
            return Optional.empty();
        }
        return Optional.of(userId);
    }

    /** True when {@code document} (URL-encoded as IAM returns it, or not) is exactly the lockdown's for this session. */
    public static boolean isExactly(String document, String roleId, String sessionName) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(ContainmentPolicy.decode(document));
        } catch (IOException e) {
            return false;
        }
        return tree(roleId, sessionName).equals(root);
    }
}
