package io.entitylockdown.core.report;

import java.net.SocketTimeoutException;
import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/** Turns an exception from an AWS call into a sentence that tells a responder what to do next. */
public final class AwsErrors {
    private static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "ThrottledException",
            "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled",
            "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException");

    /** Cause chains can be cyclic; a real one is a few links long. */
    private static final int MAX_CAUSES = 8;

    private AwsErrors() {
    }

    /** The AWS error code, or empty when the failure did not come from the service. */
    public static String code(Throwable error) {
        AwsServiceException service = serviceError(error);
        if (service != null && service.awsErrorDetails() != null) {
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

    public static boolean isThrottling(Throwable error) {
        AwsServiceException service = serviceError(error);
        return service != null && (service.statusCode() == 429 || THROTTLING.contains(code(error)));
    }

    /** No answer in time: the call's or an attempt's timeout, or the socket's read timeout. */
    public static boolean isTimeout(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth++ < MAX_CAUSES; t = t.getCause()) {
            if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException
                    || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when the caller's own credentials could not be found at all (no profile, no variables, no
     * role), as opposed to AWS refusing them. The SDK says so only in its message.
     */
    public static boolean isMissingCredentials(Throwable error) {
        boolean chainFailed = false;
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException) {
                return false;
            }
            if (t instanceof SdkClientException && t.getMessage() != null
                    && t.getMessage().startsWith("Unable to load credentials from any of the providers")) {
                chainFailed = true;
            }
        }
        return chainFailed;
    }

    /** A one-line description, naming the IAM action when permission was missing. */
    public static String describe(Throwable error, String call) {
        String what = call == null || call.isEmpty() ? "this call" : call;
        if (error instanceof io.entitylockdown.core.LockdownException) {
            // the engine's own sentence already says what happened (with the AWS error) and what to do
            return error.getMessage();
        }
        // credential providers (sts:AssumeRole) may wrap the service's answer; the answer is what matters
        AwsServiceException service = serviceError(error);
        if (service != null) {
            String code = code(service);
            String message = service.awsErrorDetails() != null && service.awsErrorDetails().errorMessage() != null
                    ? service.awsErrorDetails().errorMessage()
                    : String.valueOf(service.getMessage());
            String head = (code.isEmpty() ? "HTTP " + service.statusCode() : code) + ": " + message;
            if (isAccessDenied(service)) {
                return head + " (the acting role needs " + (what.equals("this call") ? "this permission" : what)
                        + "; update the member-role stack or the caller's policy)";
            }
            if (isThrottling(service)) {
                return head + " (AWS kept throttling " + what + attempts(service)
                        + "; wait a minute and run the command again, it is idempotent)";
            }
            if (service.statusCode() >= 500) {
                return head + " (AWS failed " + what + attempts(service)
                        + "; run the command again, it is idempotent)";
            }
            return head;
        }
        if (isTimeout(error)) {
            return "timed out: AWS did not answer " + what + " in time" + attempts(error)
                    + ". The change may or may not have been made; run the command again (it is idempotent) "
                    + "and read its report";
        }
        if (isMissingCredentials(error)) {
            return "no AWS credentials to call " + what + " with: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY), or run where a role provides them, then run again";
        }
        if (error instanceof SdkClientException) {
            return "could not reach AWS for " + what + ": " + error.getMessage();
        }
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }

    private static AwsServiceException serviceError(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth++ < MAX_CAUSES; t = t.getCause()) {
            if (t instanceof AwsServiceException service) {
                return service;
            }
        }
        return null;
    }

    private static String attempts(Throwable error) {
        if (error instanceof SdkException sdk && sdk.numAttempts() != null && sdk.numAttempts() > 1) {
            return " after " + sdk.numAttempts() + " attempts";
        }
        return "";
    }
}
