package io.entitylockdown.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestTimelineTest {

    private static FaultProxy.Exchange exchange(long sequence, String action, long arrived, long answered, int status) {
        return new FaultProxy.Exchange(sequence, action, arrived, answered, status, null, "client");
    }

    @Test
    void sequentialRequests_areOneRoundTripEach() {
        var assume = exchange(0, "sts:AssumeRole", 0, 100, 200);
        var get = exchange(1, "iam:GetUser", 110, 200, 200);
        var attach = exchange(2, "iam:AttachUserPolicy", 210, 300, 200);

        RequestTimeline timeline = RequestTimeline.of(List.of(attach, assume, get));

        assertThat(timeline.exchanges()).containsExactly(assume, get, attach);
        assertThat(timeline.firstContainingWrite()).contains(attach);
        assertThat(timeline.roundTripsBefore(attach)).isEqualTo(2);
        assertThat(timeline.roundTrips()).isEqualTo(3);
        assertThat(timeline.since(attach.answeredNanos())).isEqualTo(Duration.ofNanos(300));
        assertThat(timeline.waves()).isEqualTo("1: sts:AssumeRole | 2: iam:GetUser | 3: iam:AttachUserPolicy");
    }

    @Test
    void overlappingRequests_shareARoundTrip() {
        var assume = exchange(0, "sts:AssumeRole", 0, 100, 200);
        var attach = exchange(1, "iam:AttachUserPolicy", 110, 200, 200);
        var publish = exchange(2, "sns:Publish", 112, 205, 200);
        var list = exchange(3, "iam:ListAccessKeys", 115, 190, 200);
        var update = exchange(4, "iam:UpdateAccessKey", 195, 290, 200);

        RequestTimeline timeline = RequestTimeline.of(List.of(assume, attach, publish, list, update));

        assertThat(timeline.roundTripsBefore(attach)).isEqualTo(1);
        assertThat(timeline.depth(publish)).isEqualTo(2);
        assertThat(timeline.depth(update)).isEqualTo(3);
        assertThat(timeline.roundTrips()).isEqualTo(3);
        assertThat(timeline.requests()).isEqualTo(5);
        assertThat(timeline.countsByAction()).containsEntry("iam:AttachUserPolicy", 1).hasSize(5);
    }

    @Test
    void aThrottledWrite_isNotTheFirstContainingWrite_andAnswerlessRequestsBlockNothing() {
        var throttled = exchange(0, "iam:PutUserPolicy", 0, 100, 400);
        var dropped = exchange(1, "iam:GetUser", 5, -1, 0);
        var retried = exchange(2, "iam:PutUserPolicy", 150, 250, 200);

        RequestTimeline timeline = RequestTimeline.of(List.of(throttled, dropped, retried));

        assertThat(timeline.firstContainingWrite()).contains(retried);
        assertThat(timeline.roundTripsBefore(retried)).isEqualTo(1);
        assertThat(timeline.waves()).isEqualTo("1: iam:PutUserPolicy (400), iam:GetUser (0) | 2: iam:PutUserPolicy");
    }

    @Test
    void noContainingWrite_isEmpty_andAnEmptyLogHasNoStart() {
        assertThat(RequestTimeline.of(List.of(exchange(0, "iam:GetUser", 0, 10, 200))).firstContainingWrite()).isEmpty();
        assertThat(RequestTimeline.of(List.of(exchange(0, "iam:TagUser", 0, 10, 200))).firstContainingWrite()).isEmpty();
        assertThatThrownBy(() -> RequestTimeline.of(List.of()).startNanos()).hasMessageContaining("No request");
    }
}
