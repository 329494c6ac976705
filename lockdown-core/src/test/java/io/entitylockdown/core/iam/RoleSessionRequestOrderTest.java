package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.FakeAws;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The requests of a session containment, pinned without a network: the deny needs the role's unique id,
 * so one wave of reads (GetRole and GetRolePolicy together) comes before it, and the write is the second
 * round trip; the read-back follows it.
 */
class RoleSessionRequestOrderTest {
    private static final String SESSION = "arn:aws:sts::111111111111:assumed-role/ci-deployer/build-4711";

    @Test
    void theDenyIsTheSecondRoundTrip_afterOneWaveOfReads() {
        // a planted look-alike is there, so the first read finds a policy that must be replaced
        AtomicReference<String> policy = new AtomicReference<>("{\"Version\":\"2012-10-17\",\"Statement\":[]}");
        FakeAws aws = new FakeAws(Duration.ofMillis(20))
                .answer("GetRole", "<GetRoleResponse><GetRoleResult><Role><Path>/ops/</Path><RoleName>ci-deployer"
                        + "</RoleName><RoleId>AROAFAKEROLEID000001</RoleId><Arn>arn:aws:iam::111111111111:role/ops/"
                        + "ci-deployer</Arn><CreateDate>2020-01-01T00:00:00Z</CreateDate><MaxSessionDuration>3600"
                        + "</MaxSessionDuration></Role></GetRoleResult></GetRoleResponse>")
                .answer("GetRolePolicy", body -> "<GetRolePolicyResponse><GetRolePolicyResult><RoleName>ci-deployer"
                        + "</RoleName><PolicyName>EntityLockdownSession-build-4711</PolicyName><PolicyDocument>"
                        + URLEncoder.encode(policy.get(), StandardCharsets.UTF_8) + "</PolicyDocument>"
                        + "</GetRolePolicyResult></GetRolePolicyResponse>")
                .answer("PutRolePolicy", body -> {
                    policy.set(document(body));
                    return "<PutRolePolicyResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
                            + "</PutRolePolicyResponse>";
                });
        try (LockdownEngine engine = aws.engine(false)) {
            ContainmentReport report = engine.contain(SESSION, ContainmentOptions.defaults());

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.verified()).isTrue();
        }
        assertThat(aws.sent()).containsExactlyInAnyOrder("GetRole", "GetRolePolicy", "PutRolePolicy", "GetRolePolicy");
        assertThat(aws.sent().subList(0, 2)).containsExactlyInAnyOrder("GetRole", "GetRolePolicy");
        assertThat(aws.sent().get(2)).isEqualTo("PutRolePolicy");
        assertThat(aws.answeredBefore("PutRolePolicy")).containsExactlyInAnyOrder("GetRole", "GetRolePolicy");
        assertThat(aws.events().indexOf(new FakeAws.Event("GetRolePolicy", true)))
                .as("both reads are on their way before either answers: one round trip")
                .isLessThan(aws.events().indexOf(new FakeAws.Event("GetRole", false)));
        assertThat(RoleSessionPolicy.isExactly(policy.get(), "AROAFAKEROLEID000001", "build-4711")).isTrue();
    }

    private static String document(String body) {
        for (String pair : body.split("&")) {
            if (pair.startsWith("PolicyDocument=")) {
                return URLDecoder.decode(pair.substring("PolicyDocument=".length()), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no PolicyDocument in " + body);
    }
}
