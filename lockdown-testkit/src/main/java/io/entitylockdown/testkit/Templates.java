package io.entitylockdown.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CloudFormation templates in {@code deploy/}, read as JSON trees. Short-form intrinsics
 * ({@code !Sub}, {@code !Ref}) are read as their plain values, which is all these tests need.
 * Paths are relative to a module directory (the working directory of surefire and failsafe).
 */
public final class Templates {
    public static final Path DEPLOY = Path.of("..", "deploy");
    public static final Path SECURITY_ACCOUNT = DEPLOY.resolve("lockdown.yaml");
    public static final Path MEMBER_ROLE = DEPLOY.resolve("lockdown-member-role.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Templates() {
    }

    public static JsonNode read(Path template) {
        try {
            return YAML.readTree(template.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + template, e);
        }
    }

    /** The statements of a role's inline policy. */
    public static List<JsonNode> statements(JsonNode template, String roleLogicalId, String policyName) {
        JsonNode role = template.path("Resources").path(roleLogicalId);
        for (JsonNode policy : role.path("Properties").path("Policies")) {
            if (policy.path("PolicyName").asText().equals(policyName)) {
                List<JsonNode> statements = new ArrayList<>();
                policy.path("PolicyDocument").path("Statement").forEach(statements::add);
                return statements;
            }
        }
        throw new AssertionError("No policy " + policyName + " on " + roleLogicalId);
    }

    /** Every action the Allow statements grant. */
    public static Set<String> allowedActions(List<JsonNode> statements) {
        Set<String> actions = new TreeSet<>();
        for (JsonNode statement : statements) {
            if ("Allow".equals(statement.path("Effect").asText())) {
                actions.addAll(actions(statement));
            }
        }
        return actions;
    }

    public static Set<String> actions(JsonNode statement) {
        Set<String> actions = new TreeSet<>();
        JsonNode action = statement.path("Action");
        if (action.isTextual()) {
            actions.add(action.asText());
        } else {
            action.forEach(a -> actions.add(a.asText()));
        }
        return actions;
    }
}
