package io.entitylockdown.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * securityhub:BatchUpdateFindings as the function sends it, and AWS's answer in place of moto's
 * (moto 5.2.1 has no BatchUpdateFindings). Records the HTTP request exactly as the SDK marshalled and
 * signed it, then answers like Security Hub: every finding processed, or each one unprocessed with
 * the given error code. With {@link Answer#MOTO} it records and lets moto's own answer through.
 */
final class SecurityHubStandIn implements ExecutionInterceptor {
    enum Answer { PROCESSED, UNPROCESSED, MOTO }

    /** One BatchUpdateFindings request as it went over the wire. */
    record Sent(String method, String host, String path, String signingScope, JsonNode body) {
    }

    private final Answer answer;
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final ThreadLocal<JsonNode> current = new ThreadLocal<>();

    SecurityHubStandIn(Answer answer) {
        this.answer = answer;
    }

    List<Sent> sent() {
        return List.copyOf(sent);
    }

    private static boolean isBatchUpdateFindings(ExecutionAttributes attributes) {
        return "SecurityHub".equals(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))
                && "BatchUpdateFindings".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (!isBatchUpdateFindings(attributes)) {
            return;
        }
        JsonNode body;
        try (InputStream in = context.requestBody().orElseThrow().contentStreamProvider().newStream()) {
            body = Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String authorization = context.httpRequest().firstMatchingHeader("Authorization").orElse("");
        int credential = authorization.indexOf("Credential=");
        String scope = credential < 0 ? "" : authorization.substring(credential + "Credential=".length(),
                authorization.indexOf(',', credential));
        sent.add(new Sent(context.httpRequest().method().name(), context.httpRequest().host(),
                context.httpRequest().encodedPath(), scope.substring(scope.indexOf('/') + 1), body));
        current.set(body);
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        if (!isBatchUpdateFindings(attributes) || answer == Answer.MOTO) {
            return context.httpResponse();
        }
        return context.httpResponse().toBuilder().statusCode(200).statusText("OK").removeHeader("Content-Length")
                .putHeader("Content-Type", "application/json").build();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
            ExecutionAttributes attributes) {
        if (!isBatchUpdateFindings(attributes) || answer == Answer.MOTO) {
            return context.responseBody();
        }
        ObjectNode response = Json.mapper().createObjectNode();
        ArrayNode processed = response.putArray("ProcessedFindings");
        ArrayNode unprocessed = response.putArray("UnprocessedFindings");
        for (JsonNode id : current.get().path("FindingIdentifiers")) {
            if (answer == Answer.PROCESSED) {
                processed.add(id);
            } else {
                ObjectNode failed = unprocessed.addObject();
                failed.set("FindingIdentifier", id);
                failed.put("ErrorCode", "FindingNotFound");
                failed.put("ErrorMessage", "Finding not found");
            }
        }
        return Optional.of(new ByteArrayInputStream(Json.write(response).getBytes(StandardCharsets.UTF_8)));
    }
}
