package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HandlerSettingsTest {

    @Test
    void fromEnvironment_defaults() {
        HandlerSettings settings = HandlerSettings.fromEnvironment(Map.of());

        assertThat(settings.externalId()).isNull();
        assertThat(settings.externalIdSecretArn()).isEmpty();
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

        assertThat(settings.externalId().matches("abcdefghijklmnop")).isTrue();
        assertThat(settings.options().windowSeconds()).isEqualTo(900);
        assertThat(settings.options().snapshot()).isFalse();
        assertThat(settings.phase2QueueUrl()).endsWith("/p2");
    }

    @Test
    void fromEnvironment_readsTheSecretArn_andItsRegion() {
        HandlerSettings settings = HandlerSettings.fromEnvironment(Map.of("LOCKDOWN_EXTERNAL_ID_SECRET_ARN",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:entity-lockdown-external-id-AbCdEf"));

        assertThat(settings.externalId()).isNull();
        assertThat(settings.externalIdSecretArn()).endsWith(":secret:entity-lockdown-external-id-AbCdEf");
        assertThat(settings.secretRegion()).isEqualTo("eu-west-1");
    }

    @Test
    void fromEnvironment_insideTheLambdaRuntime_refusesAPlainExternalId_withoutEchoingIt() {
        assertThatThrownBy(() -> HandlerSettings.fromEnvironment(Map.of("LOCKDOWN_EXTERNAL_ID", "abcdefghijklmnop",
                "AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")))
                .hasMessageContaining("LOCKDOWN_EXTERNAL_ID_SECRET_ARN").hasMessageContaining("lambda:GetFunctionConfiguration")
                .hasMessageNotContaining("abcdefghijklmnop");
        assertThat(HandlerSettings.fromEnvironment(Map.of("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001",
                "LOCKDOWN_EXTERNAL_ID_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"))
                .externalIdSecretArn()).isNotEmpty();
    }

    @Test
    void fromEnvironment_whenBothOrABadArnAreGiven_failsNamingTheVariables() {
        assertThatThrownBy(() -> HandlerSettings.fromEnvironment(Map.of("LOCKDOWN_EXTERNAL_ID", "abcdefghijklmnop",
                "LOCKDOWN_EXTERNAL_ID_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf")))
                .hasMessageContaining("both").hasMessageNotContaining("abcdefghijklmnop");
        assertThatThrownBy(() -> HandlerSettings.fromEnvironment(Map.of("LOCKDOWN_EXTERNAL_ID_SECRET_ARN",
                "entity-lockdown-external-id")))
                .hasMessageContaining("LOCKDOWN_EXTERNAL_ID_SECRET_ARN").hasMessageContaining("not a Secrets Manager secret ARN");
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
