package io.entitylockdown.core.aws;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;

/**
 * Everything needed to build AWS clients, configured once: where to send requests, as whom,
 * with what retries and timeouts, and which interceptors see every call. Build one with
 * {@link #builder()} or {@link #fromEnvironment(Map)}; adjust one with {@link #toBuilder()} or the
 * {@code with...} methods.
 *
 * @param endpointOverride one endpoint for every service (a local emulator), or null for AWS
 * @param homeRegion       the region the tool runs in; STS is called here for accounts in its partition
 * @param baseCredentials  the caller's own credentials (the Lambda's role, the responder's profile)
 * @param interceptors     see every AWS call (call recording, fault injection in tests)
 * @param attemptTimeout   timeout of one HTTP attempt
 * @param callTimeout      timeout of one API call including retries and their back-off
 * @param maxAttempts      attempts per call, first included
 * @param retryMode        how failed attempts are retried. {@link RetryMode#STANDARD} (the default) backs
 *                         off with full jitter, from a 1 s base after throttling and 100 ms after other
 *                         retryable errors. {@link RetryMode#ADAPTIVE_V2} also paces the client's own
 *                         requests once it has been throttled; measured (docs/testing.md), one throttle
 *                         early in a containment then slowed the rest of it from 3.5 s to 7.6 s, and a
 *                         batch under 10% throttling ran at a quarter of the speed, so it is opt-in
 *                         ({@code AWS_RETRY_MODE=adaptive})
 */
public record AwsSettings(
        URI endpointOverride,
        Region homeRegion,
        AwsCredentialsProvider baseCredentials,
        List<ExecutionInterceptor> interceptors,
        Duration attemptTimeout,
        Duration callTimeout,
        int maxAttempts,
        RetryMode retryMode) {

    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(45);
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final RetryMode DEFAULT_RETRY_MODE = RetryMode.STANDARD;

    public AwsSettings {
        Objects.requireNonNull(homeRegion, "homeRegion");
        Objects.requireNonNull(baseCredentials, "baseCredentials");
        interceptors = List.copyOf(interceptors == null ? List.of() : interceptors);
        attemptTimeout = attemptTimeout == null ? DEFAULT_ATTEMPT_TIMEOUT : attemptTimeout;
        callTimeout = callTimeout == null ? DEFAULT_CALL_TIMEOUT : callTimeout;
        retryMode = retryMode == null ? DEFAULT_RETRY_MODE : retryMode;
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1; got " + maxAttempts);
        }
        if (attemptTimeout.isNegative() || attemptTimeout.isZero() || callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("Timeouts must be positive; got attempt " + attemptTimeout + ", call "
                    + callTimeout);
        }
    }

    /** A builder with the defaults: AWS endpoints, the default credentials chain, 5 attempts in standard mode. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings. */
    public Builder toBuilder() {
        return new Builder()
                .endpoint(endpointOverride)
                .homeRegion(homeRegion)
                .credentials(baseCredentials)
                .interceptors(interceptors)
                .attemptTimeout(attemptTimeout)
                .callTimeout(callTimeout)
                .maxAttempts(maxAttempts)
                .retryMode(retryMode);
    }

    /**
     * Settings from the standard AWS environment: {@code AWS_ENDPOINT_URL}, {@code AWS_REGION} (or
     * {@code AWS_DEFAULT_REGION}, else the profile's region, else us-east-1), {@code AWS_MAX_ATTEMPTS},
     * {@code AWS_RETRY_MODE} ({@code adaptive}, {@code standard} or {@code legacy}), and the default
     * credentials chain (environment, profile, container, instance). No credentials are resolved here.
     */
    public static AwsSettings fromEnvironment(Map<String, String> env) {
        String endpoint = firstNonBlank(env.get("AWS_ENDPOINT_URL"), null);
        String region = firstNonBlank(env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"));
        if (region == null) {
            region = regionFromProfile();
        }
        return builder()
                .endpoint(endpoint == null ? null : parseEndpoint(endpoint))
                .homeRegion(Region.of(region == null ? "us-east-1" : region))
                .maxAttempts(maxAttempts(env.get("AWS_MAX_ATTEMPTS")))
                .retryMode(retryMode(env.get("AWS_RETRY_MODE")))
                .build();
    }

    public AwsSettings withInterceptors(List<ExecutionInterceptor> more) {
        return toBuilder().addInterceptors(more).build();
    }

    public AwsSettings withCredentials(AwsCredentialsProvider credentials) {
        return toBuilder().credentials(credentials).build();
    }

    public AwsSettings withEndpoint(URI endpoint) {
        return toBuilder().endpoint(endpoint).build();
    }

    public AwsSettings withTimeouts(Duration attempt, Duration call, int attempts) {
        return toBuilder().attemptTimeout(attempt).callTimeout(call).maxAttempts(attempts).build();
    }

    /** Builds {@link AwsSettings}; every value has a default except what the caller's situation needs. */
    public static final class Builder {
        private URI endpoint;
        private Region homeRegion = Region.US_EAST_1;
        private AwsCredentialsProvider credentials;
        private final List<ExecutionInterceptor> interceptors = new ArrayList<>();
        private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private RetryMode retryMode = DEFAULT_RETRY_MODE;

        private Builder() {
        }

        /** One endpoint for every service (moto, a proxy), or null for AWS's own. */
        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /** The region the tool runs in (default us-east-1). */
        public Builder homeRegion(Region region) {
            this.homeRegion = Objects.requireNonNull(region, "region");
            return this;
        }

        /** The caller's own credentials (default: the SDK's default chain, resolved on first use). */
        public Builder credentials(AwsCredentialsProvider credentials) {
            this.credentials = credentials;
            return this;
        }

        /** Replaces the interceptors. */
        public Builder interceptors(List<ExecutionInterceptor> all) {
            interceptors.clear();
            interceptors.addAll(all);
            return this;
        }

        public Builder addInterceptor(ExecutionInterceptor interceptor) {
            interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        public Builder addInterceptors(List<ExecutionInterceptor> more) {
            interceptors.addAll(more);
            return this;
        }

        /** Timeout of one HTTP attempt (default 10 s). */
        public Builder attemptTimeout(Duration timeout) {
            this.attemptTimeout = timeout;
            return this;
        }

        /** Timeout of one API call, retries included (default 45 s). */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = timeout;
            return this;
        }

        /** Attempts per call, the first included (default 5). */
        public Builder maxAttempts(int attempts) {
            this.maxAttempts = attempts;
            return this;
        }

        /** How attempts are retried (default {@link RetryMode#STANDARD}; see the record's comment). */
        public Builder retryMode(RetryMode mode) {
            this.retryMode = mode;
            return this;
        }

        public AwsSettings build() {
            AwsCredentialsProvider chosen = credentials != null ? credentials : DefaultCredentialsProvider.builder().build();
            return new AwsSettings(endpoint, homeRegion, chosen, interceptors, attemptTimeout, callTimeout, maxAttempts,
                    retryMode);
        }
    }

    private static int maxAttempts(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_ATTEMPTS;
        }
        try {
            int attempts = Integer.parseInt(value.strip());
            if (attempts >= 1 && attempts <= 20) {
                return attempts;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("AWS_MAX_ATTEMPTS '" + value + "' is not a number from 1 to 20; fix or unset it");
    }

    private static RetryMode retryMode(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_RETRY_MODE;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "adaptive" -> RetryMode.ADAPTIVE_V2;
            case "standard" -> RetryMode.STANDARD;
            case "legacy" -> RetryMode.LEGACY;
            default -> throw new IllegalArgumentException("AWS_RETRY_MODE '" + value
                    + "' is not one of adaptive, standard, legacy; fix or unset it");
        };
    }

    private static URI parseEndpoint(String endpoint) {
        try {
            URI uri = URI.create(endpoint.strip());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("AWS_ENDPOINT_URL '" + endpoint
                    + "' is not a URL like http://127.0.0.1:5000; fix or unset it", e);
        }
    }

    private static String regionFromProfile() {
        try {
            return new software.amazon.awssdk.regions.providers.AwsProfileRegionProvider().getRegion().id();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a.strip();
        }
        return b == null || b.isBlank() ? null : b.strip();
    }
}
