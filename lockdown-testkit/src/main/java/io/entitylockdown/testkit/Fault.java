package io.entitylockdown.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link FaultProxy} does to a matching request instead of (or before) forwarding it. Errors are
 * rendered in the wire format of the request's protocol (query XML, EC2 XML, JSON, REST-JSON), so the
 * SDK parses them exactly as it would parse AWS's own.
 */
public sealed interface Fault {

    /**
     * The service's throttling answer: {@code 400 Throttling} for query APIs (IAM, STS),
     * {@code 503 RequestLimitExceeded} for EC2, {@code 400 ThrottlingException} for JSON APIs and
     * {@code 429 TooManyRequestsException} for Lambda.
     */
    static Fault throttling() {
        return Throttling.INSTANCE;
    }

    /** An HTTP 5xx with the service's internal-error code ({@code InternalFailure}, {@code ServiceUnavailable}). */
    static Fault serverError(int status) {
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("A server error has a 5xx status; got " + status);
        }
        return new AwsError(status, status == 503 ? "ServiceUnavailable" : "InternalFailure",
                "Injected server error " + status);
    }

    /** Any AWS error, e.g. {@code awsError(403, "AccessDenied", "... is not authorized to perform: sts:AssumeRole")}. */
    static Fault awsError(int status, String code, String message) {
        return new AwsError(status, code, message);
    }

    /** Holds the request for {@code delay}, then forwards it: a slow service whose change still lands. */
    static Fault slowResponse(Duration delay) {
        return new Delay(delay, true);
    }

    /**
     * Holds the request for {@code delay}, then drops the connection without forwarding: a timeout
     * after which nothing was changed.
     */
    static Fault noResponse(Duration delay) {
        return new Delay(delay, false);
    }

    /** See {@link #throttling()}. */
    enum Throttling implements Fault {
        INSTANCE
    }

    /** An error answer with this status, code and message. */
    record AwsError(int status, String code, String message) implements Fault {
        public AwsError {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("An AWS error has a 4xx or 5xx status; got " + status);
            }
        }
    }

    /** A delay, after which the request is forwarded or dropped. */
    record Delay(Duration delay, boolean forward) implements Fault {
        public Delay {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("A delay cannot be negative");
            }
        }
    }
}
