package io.entitylockdown.lambda;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * Turns moto's answer to sts:AssumeRole into the 403 AccessDenied that AWS returns when the member role
 * does not exist in the target account (or does not trust the caller). moto's AssumeRole never checks
 * that the role exists, so the failure is injected between the SDK and moto, as real STS XML, and the
 * SDK parses it exactly as it would parse AWS's answer.
 */
final class StsAccessDenied implements ExecutionInterceptor {
    private static String body(String roleHint) {
        return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                + "<Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/"
                + "EntityLockdownExecutionRole/lockdown is not authorized to perform: sts:AssumeRole on resource: "
                + roleHint + "</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>";
    }

    private static boolean isAssumeRole(ExecutionAttributes attributes) {
        return "AssumeRole".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        if (!isAssumeRole(attributes)) {
            return context.httpResponse();
        }
        return context.httpResponse().toBuilder().statusCode(403).statusText("Forbidden")
                .removeHeader("Content-Length").build();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
            ExecutionAttributes attributes) {
        if (!isAssumeRole(attributes)) {
            return context.responseBody();
        }
        return Optional.of(new ByteArrayInputStream(body("the member role").getBytes(StandardCharsets.UTF_8)));
    }
}
