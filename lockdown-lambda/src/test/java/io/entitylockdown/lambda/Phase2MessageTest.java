package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class Phase2MessageTest {
    private static final String ARN = "arn:aws:ec2:eu-west-1:111111111111:instance/i-0123456789abcdef0";
    private static final Instant NOW = Instant.parse("2026-11-28T21:00:00Z");
    private final DeploymentSecret secret = DeploymentSecret.ofNullable("the-deployment-external-id");

    @Test
    void verified_acceptsWhatCreateSigned() throws Exception {
        String body = Phase2Message.create(ARN, 60, NOW, secret).toJson();

        Phase2Message message = Phase2Message.verified(body, secret, NOW.plusSeconds(61));

        assertThat(message.arn()).isEqualTo(ARN);
        assertThat(message.windowSeconds()).isEqualTo(60);
        assertThat(body).doesNotContain("the-deployment-external-id");
    }

    @Test
    void verified_whenArnWasChanged_rejects() {
        String body = Phase2Message.create(ARN, 60, NOW, secret).toJson().replace("i-0123456789abcdef0", "i-0fedcba9876543210");

        assertThatThrownBy(() -> Phase2Message.verified(body, secret, NOW))
                .isInstanceOf(RejectedMessage.class).hasMessageContaining("signature does not match");
    }

    @Test
    void verified_whenSignedWithAnotherExternalId_rejects() {
        String body = Phase2Message.create(ARN, 60, NOW, DeploymentSecret.ofNullable("another-deployment-id")).toJson();

        assertThatThrownBy(() -> Phase2Message.verified(body, secret, NOW))
                .isInstanceOf(RejectedMessage.class).hasMessageContaining("signature does not match");
    }

    @Test
    void verified_whenUnsigned_rejects() {
        String body = "{\"operation\":\"isolate\",\"arn\":\"" + ARN + "\",\"scheduledAt\":\"" + NOW + "\",\"windowSeconds\":60}";

        assertThatThrownBy(() -> Phase2Message.verified(body, secret, NOW))
                .isInstanceOf(RejectedMessage.class).hasMessageContaining("signature does not match");
    }

    @Test
    void verified_whenOlderThanMaxAge_rejectsAsReplay() {
        String body = Phase2Message.create(ARN, 60, NOW, secret).toJson();

        assertThatThrownBy(() -> Phase2Message.verified(body, secret, NOW.plus(Phase2Message.MAX_AGE).plus(Duration.ofSeconds(1))))
                .isInstanceOf(RejectedMessage.class).hasMessageContaining("hours ago");
    }

    @Test
    void verified_whenNotJson_rejects() {
        assertThatThrownBy(() -> Phase2Message.verified("isolate " + ARN, secret, NOW))
                .isInstanceOf(RejectedMessage.class).hasMessageContaining("not a JSON object");
    }

    @Test
    void verified_withoutDeploymentSecret_rejects() {
        String body = Phase2Message.create(ARN, 60, NOW, secret).toJson();

        assertThatThrownBy(() -> Phase2Message.verified(body, null, NOW)).isInstanceOf(RejectedMessage.class);
    }
}
