package io.entitylockdown.lambda.findings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecurityHubNoteTest {

    @Test
    void shortNote_namesEveryResourceAndTheRequest() {
        String note = SecurityHubNote.text(List.of(
                new SecurityHubNote.ResourceOutcome("contained", "IAM user alice in 111111111111"),
                new SecurityHubNote.ResourceOutcome("not supported", "AwsS3Bucket arn:aws:s3:::finance")), "req-1");

        assertThat(note).isEqualTo("Entity Lockdown: contained: IAM user alice in 111111111111; not supported: "
                + "AwsS3Bucket arn:aws:s3:::finance (full reports: audit topic, request req-1)");
    }

    @Test
    void longNotes_stayWithin512Characters_andKeepEveryResourceWhenTheyFit() {
        List<SecurityHubNote.ResourceOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            outcomes.add(new SecurityHubNote.ResourceOutcome("refused, a person must act", "resource-" + i + " "
                    + "x".repeat(300)));
        }

        String note = SecurityHubNote.text(outcomes, "8f14e45f-ceea-467f-a0e6-2a6b3b0c5f11");

        assertThat(note).hasSizeLessThanOrEqualTo(SecurityHubNote.MAX_TEXT)
                .contains("resource-0", "resource-1", "resource-2", "resource-3", "...")
                .endsWith("(full reports: audit topic, request 8f14e45f-ceea-467f-a0e6-2a6b3b0c5f11)");
    }

    @Test
    void manyResources_areCountedWhenTheyDoNotFit() {
        List<SecurityHubNote.ResourceOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            outcomes.add(new SecurityHubNote.ResourceOutcome("contained", "EC2 instance i-0123456789abcdef" + i % 10
                    + " in 111111111111/us-east-1"));
        }

        String note = SecurityHubNote.text(outcomes, "r");

        assertThat(note).hasSizeLessThanOrEqualTo(SecurityHubNote.MAX_TEXT).containsPattern("and [0-9]+ more")
                .endsWith("(full reports: audit topic, request r)");
    }

    @Test
    void controlCharactersFromFindings_areRemoved() {
        String note = SecurityHubNote.text(List.of(new SecurityHubNote.ResourceOutcome("not supported",
                "AwsS3Bucket evil\nname\u0000")), "r");

        assertThat(note).doesNotContain("\n").doesNotContain("\u0000").contains("evil name");
    }
}
