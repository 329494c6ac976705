package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * What AWS decides for the one statement of a session deny, evaluated the way IAM evaluates a Deny with
 * a {@code StringEquals} condition: it applies when every key of the condition equals the request's
 * value (case-sensitively). moto ignores the values of condition keys such as {@code aws:userid}, so
 * this is how the tests tell the denied session from another session of the same role.
 */
final class SessionDeny {
    private SessionDeny() {
    }

    static JsonNode statement(String document) {
        try {
            JsonNode root = Json.mapper().readTree(ContainmentPolicy.decode(document));
            if (root.path("Statement").size() != 1) {
                throw new AssertionError("a session deny has exactly one statement: " + document);
            }
            return root.path("Statement").get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the document's deny applies to a request with these context values (any action, any resource). */
    static boolean denies(String document, Map<String, String> context) {
        JsonNode statement = statement(document);
        if (!"Deny".equals(statement.path("Effect").asText()) || !"*".equals(statement.path("Action").asText())
                || !"*".equals(statement.path("Resource").asText())) {
            return false;
        }
        JsonNode condition = statement.path("Condition");
        Iterator<String> operators = condition.fieldNames();
        while (operators.hasNext()) {
            String operator = operators.next();
            if (!operator.equals("StringEquals")) {
                throw new AssertionError("only StringEquals is evaluated here, not " + operator);
            }
            for (Map.Entry<String, JsonNode> key : condition.path(operator).properties()) {
                if (!key.getValue().asText().equals(context.get(key.getKey()))) {
                    return false;
                }
            }
        }
        return true;
    }
}
