package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

/** Inline policies of a chosen size, to fill a principal's inline quota in tests. */
public final class Ec2Policies {
    private Ec2Policies() {
    }

    /** A valid policy of about {@code size} characters (white space not counted). */
    public static String big(int size) {
        StringBuilder resources = new StringBuilder();
        int i = 0;
        String head = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":[";
        while (head.length() + resources.length() < size - 40) {
            resources.append(i == 0 ? "" : ",").append("\"arn:aws:s3:::evidence-bucket-").append(i++).append("/*\"");
        }
        String policy = head + resources + "]}]}";
        assertThat(CredentialDenyPolicy.quotaSize(policy)).isBetween(size - 80, size);
        return policy;
    }
}
