package io.entitylockdown.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.AdaptiveRetryStrategy;
import software.amazon.awssdk.retries.LegacyRetryStrategy;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;

class AwsSettingsTest {
    private static final ExecutionInterceptor RECORDER = new CallRecorder();

    @Test
    void builder_defaults() {
        AwsSettings settings = AwsSettings.builder().build();

        assertThat(settings.endpointOverride()).isNull();
        assertThat(settings.homeRegion()).isEqualTo(Region.US_EAST_1);
        assertThat(settings.baseCredentials()).isInstanceOf(DefaultCredentialsProvider.class);
        assertThat(settings.interceptors()).isEmpty();
        assertThat(settings.attemptTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.callTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(settings.maxAttempts()).isEqualTo(5);
        assertThat(settings.retryMode()).isEqualTo(RetryMode.STANDARD);
    }

    @Test
    void builder_setsEveryValue_andToBuilderKeepsThem() {
        AwsSettings settings = AwsSettings.builder()
                .endpoint(URI.create("http://127.0.0.1:5000"))
                .homeRegion(Region.EU_WEST_1)
                .credentials(AnonymousCredentialsProvider.create())
                .addInterceptor(RECORDER)
                .attemptTimeout(Duration.ofSeconds(3))
                .callTimeout(Duration.ofSeconds(9))
                .maxAttempts(7)
                .retryMode(RetryMode.ADAPTIVE_V2)
                .build();

        assertThat(settings.toBuilder().build()).isEqualTo(settings);
        assertThat(settings.retryMode()).isEqualTo(RetryMode.ADAPTIVE_V2);
        assertThat(settings.endpointOverride()).isEqualTo(URI.create("http://127.0.0.1:5000"));
        assertThat(settings.homeRegion()).isEqualTo(Region.EU_WEST_1);
        assertThat(settings.baseCredentials()).isInstanceOf(AnonymousCredentialsProvider.class);
        assertThat(settings.interceptors()).containsExactly(RECORDER);
        assertThat(settings.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2), 2))
                .isEqualTo(settings.toBuilder().attemptTimeout(Duration.ofSeconds(1)).callTimeout(Duration.ofSeconds(2))
                        .maxAttempts(2).build());
        assertThat(settings.withInterceptors(List.of(RECORDER)).interceptors()).containsExactly(RECORDER, RECORDER);
        assertThat(settings.withEndpoint(null).endpointOverride()).isNull();
    }

    @Test
    void missingTimeoutsAndRetryMode_fallBackToTheDefaults() {
        AwsSettings settings = AwsSettings.builder().homeRegion(Region.US_EAST_1)
                .credentials(AnonymousCredentialsProvider.create()).interceptors(List.of()).attemptTimeout(null)
                .callTimeout(null).retryMode(null).maxAttempts(2).build();

        assertThat(settings.retryMode()).isEqualTo(RetryMode.STANDARD);
        assertThat(settings.attemptTimeout()).isEqualTo(AwsSettings.DEFAULT_ATTEMPT_TIMEOUT);
    }

    @Test
    void fromEnvironment_readsTheStandardVariables() {
        AwsSettings settings = AwsSettings.fromEnvironment(Map.of("AWS_ENDPOINT_URL", " http://127.0.0.1:4566 ",
                "AWS_DEFAULT_REGION", "eu-central-1", "AWS_MAX_ATTEMPTS", "8", "AWS_RETRY_MODE", "standard"));

        assertThat(settings.endpointOverride()).isEqualTo(URI.create("http://127.0.0.1:4566"));
        assertThat(settings.homeRegion()).isEqualTo(Region.EU_CENTRAL_1);
        assertThat(settings.maxAttempts()).isEqualTo(8);
        assertThat(settings.retryMode()).isEqualTo(RetryMode.STANDARD);
        assertThat(AwsSettings.fromEnvironment(Map.of("AWS_REGION", "us-west-2", "AWS_RETRY_MODE", "Adaptive")).retryMode())
                .isEqualTo(RetryMode.ADAPTIVE_V2);
    }

    @Test
    void fromEnvironment_badValues_nameTheVariable() {
        assertThatThrownBy(() -> AwsSettings.fromEnvironment(Map.of("AWS_REGION", "us-east-1", "AWS_MAX_ATTEMPTS", "0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AWS_MAX_ATTEMPTS '0'");
        assertThatThrownBy(() -> AwsSettings.fromEnvironment(Map.of("AWS_REGION", "us-east-1", "AWS_RETRY_MODE", "fast")))
                .hasMessageContaining("AWS_RETRY_MODE 'fast' is not one of adaptive, standard, legacy");
        assertThatThrownBy(() -> AwsSettings.fromEnvironment(Map.of("AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL", "localhost")))
                .hasMessageContaining("AWS_ENDPOINT_URL 'localhost' is not a URL");
        assertThatThrownBy(() -> AwsSettings.builder().maxAttempts(0).build()).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> AwsSettings.builder().callTimeout(Duration.ZERO).build()).hasMessageContaining("positive");
    }

    @Test
    void retryStrategy_followsTheModeWithTheConfiguredAttempts() {
        RetryStrategy adaptive = ClientFactory.retryStrategy(AwsSettings.builder().retryMode(RetryMode.ADAPTIVE_V2)
                .maxAttempts(6).build());
        RetryStrategy standard = ClientFactory.retryStrategy(AwsSettings.builder().maxAttempts(4).build());
        RetryStrategy legacy = ClientFactory.retryStrategy(AwsSettings.builder().retryMode(RetryMode.LEGACY).build());

        assertThat(adaptive).isInstanceOf(AdaptiveRetryStrategy.class);
        assertThat(adaptive.maxAttempts()).isEqualTo(6);
        assertThat(standard).isInstanceOf(StandardRetryStrategy.class);
        assertThat(standard.maxAttempts()).isEqualTo(4);
        assertThat(legacy).isInstanceOf(LegacyRetryStrategy.class);
        assertThat(legacy.maxAttempts()).isEqualTo(5);
    }

    @Test
    void connectionPool_keepsAValueTheUserSet() {
        String before = System.getProperty("http.maxConnections");
        try {
            System.setProperty("http.maxConnections", "7");
            HttpConnectionPool.configure();
            assertThat(System.getProperty("http.maxConnections")).isEqualTo("7");

            System.clearProperty("http.maxConnections");
            HttpConnectionPool.configure();
            assertThat(System.getProperty("http.maxConnections")).isEqualTo(Integer.toString(HttpConnectionPool.PER_HOST));
        } finally {
            if (before == null) {
                System.clearProperty("http.maxConnections");
            } else {
                System.setProperty("http.maxConnections", before);
            }
        }
    }
}
