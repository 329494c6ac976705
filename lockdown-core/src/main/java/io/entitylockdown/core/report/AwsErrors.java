package io.entitylockdown.core.report;

import java.util.Locale;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Turns an exception from an AWS call into a sentence that tells a responder what to do next. */
public final class AwsErrors {
    private AwsErrors() {
    }

    /** The AWS error code, or empty when the failure did not come from the service. */
    public static String code(Throwable error) {
        if (error instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            String code = service.awsErrorDetails().errorCode();
            return code == null ? "" : code;
        }
        return "";
    }

    public static boolean isAccessDenied(Throwable error) {
        String code = code(error).toLowerCase(Locale.ROOT);
        return code.contains("accessdenied") || code.contains("unauthorized") || code.equals("authfailure");
    }

    public static boolean isNotFound(Throwable error) {
        String code = code(error);
        return code.equals("NoSuchEntity") || code.equals("ResourceNotFoundException")
                || code.endsWith(".NotFound") || code.endsWith(".Malformed") && code.startsWith("InvalidInstanceID");
    }

    /** A one-line description, naming the IAM action when permission was missing. */
    public static String describe(Throwable error, String call) {
        if (error instanceof AwsServiceException service) {
            String code = code(error);
            String message = service.awsErrorDetails() != null && service.awsErrorDetails().errorMessage() != null
                    ? service.awsErrorDetails().errorMessage()
                    : String.valueOf(service.getMessage());
            if (isAccessDenied(error)) {
                return code + ": " + message + " (the acting role needs " + (call.isEmpty() ? "this permission" : call)
                        + "; update the member-role stack or the caller's policy)";
            }
            return (code.isEmpty() ? "HTTP " + service.statusCode() : code) + ": " + message;
        }
        if (error instanceof ApiCallTimeoutException) {
            return "timed out calling AWS (" + call + "); run the command again, it is idempotent";
        }
        if (error instanceof SdkClientException) {
            return "could not reach AWS: " + error.getMessage();
        }
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }
}
