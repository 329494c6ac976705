package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HandlerSettingsTest {

    @Test
    void fromEnvironment_defaults() {
        HandlerSettings settings = HandlerSettings.fromEnvironment(Map.of());

        assertThat(settings.secret()).isNull();
        assertThat(settings.options().windowSeconds()).isEqualTo(60);
        assertThat(settings.options().snapshot()).isTrue();
        assertThat(settings.options().dryRun()).isFalse();
        assertThat(settings.auditTopicArn()).isEmpty();
    }

    @Test
    void fromEnvironment_readsEveryVariable() {
        HandlerSettings settings = HandlerSettings.fromEnvironment(Map.of("LOCKDOWN_EXTERNAL_ID", "abcdefghijklmnop",
                "LOCKDOWN_WINDOW_SECONDS", "900", "LOCKDOWN_SNAPSHOT", "FALSE",
                "LOCKDOWN_AUDIT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:audit",
                "LOCKDOWN_PHASE2_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/p2"));

        assertThat(settings.secret().matches("abcdefghijklmnop")).isTrue();
        assertThat(settings.options().windowSeconds()).isEqualTo(900);
        assertThat(settings.options().snapshot()).isFalse();
        assertThat(settings.phase2QueueUrl()).endsWith("/p2");
    }

    @Test
    void fromEnvironment_whenWindowAboveSqsLimit_failsNamingTheVariable() {
        assertThatThrownBy(() -> HandlerSettings.fromEnvironment(Map.of("LOCKDOWN_WINDOW_SECONDS", "901")))
                .hasMessageContaining("LOCKDOWN_WINDOW_SECONDS").hasMessageContaining("900");
        assertThatThrownBy(() -> HandlerSettings.fromEnvironment(Map.of("LOCKDOWN_WINDOW_SECONDS", "soon")))
                .hasMessageContaining("not a number");
        assertThatThrownBy(() -> HandlerSettings.fromEnvironment(Map.of("LOCKDOWN_SNAPSHOT", "yes")))
                .hasMessageContaining("true or false");
    }
}
