package io.entitylockdown.core.aws;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;

/**
 * Everything needed to build AWS clients, configured once: where to send requests, as whom,
 * with what retries and timeouts, and which interceptors see every call.
 *
 * @param endpointOverride one endpoint for every service (a local emulator), or null for AWS
 * @param homeRegion       the region the tool runs in; STS for global (IAM) entities is called here
 * @param baseCredentials  the caller's own credentials (the Lambda's role, the responder's profile)
 * @param interceptors     see every AWS call (call recording, fault injection in tests)
 * @param attemptTimeout   timeout of one HTTP attempt
 * @param callTimeout      timeout of one API call including retries
 * @param maxAttempts      attempts per call, first included (standard retry mode, with backoff)
 */
public record AwsSettings(
        URI endpointOverride,
        Region homeRegion,
        AwsCredentialsProvider baseCredentials,
        List<ExecutionInterceptor> interceptors,
        Duration attemptTimeout,
        Duration callTimeout,
        int maxAttempts) {

    public AwsSettings {
        Objects.requireNonNull(homeRegion, "homeRegion");
        Objects.requireNonNull(baseCredentials, "baseCredentials");
        interceptors = List.copyOf(interceptors == null ? List.of() : interceptors);
        attemptTimeout = attemptTimeout == null ? Duration.ofSeconds(10) : attemptTimeout;
        callTimeout = callTimeout == null ? Duration.ofSeconds(45) : callTimeout;
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /**
     * Settings from the standard AWS environment: {@code AWS_ENDPOINT_URL}, {@code AWS_REGION} (or
     * {@code AWS_DEFAULT_REGION}), and the default credentials chain (environment, profile, container,
     * instance).
     */
    public static AwsSettings fromEnvironment(Map<String, String> env) {
        String endpoint = firstNonBlank(env.get("AWS_ENDPOINT_URL"), null);
        String region = firstNonBlank(env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"));
        if (region == null) {
            region = regionFromProfile();
        }
        return new AwsSettings(endpoint == null ? null : parseEndpoint(endpoint),
                Region.of(region == null ? "us-east-1" : region),
                DefaultCredentialsProvider.builder().build(), List.of(), null, null, 5);
    }

    public AwsSettings withInterceptors(List<ExecutionInterceptor> more) {
        List<ExecutionInterceptor> all = new java.util.ArrayList<>(interceptors);
        all.addAll(more);
        return new AwsSettings(endpointOverride, homeRegion, baseCredentials, all, attemptTimeout, callTimeout,
                maxAttempts);
    }

    public AwsSettings withCredentials(AwsCredentialsProvider credentials) {
        return new AwsSettings(endpointOverride, homeRegion, credentials, interceptors, attemptTimeout, callTimeout,
                maxAttempts);
    }

    public AwsSettings withEndpoint(URI endpoint) {
        return new AwsSettings(endpoint, homeRegion, baseCredentials, interceptors, attemptTimeout, callTimeout,
                maxAttempts);
    }

    public AwsSettings withTimeouts(Duration attempt, Duration call, int attempts) {
        return new AwsSettings(endpointOverride, homeRegion, baseCredentials, interceptors, attempt, call, attempts);
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
