package io.entitylockdown.lambda.findings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AutoContainPolicyTest {

    private static AutoContainPolicy policy(String types, String severity) {
        return AutoContainPolicy.fromEnvironment(Map.of(AutoContainPolicy.TYPES, types,
                AutoContainPolicy.MIN_SEVERITY, severity));
    }

    @Test
    void unset_containsNothingAutomatically_andSaysHowToContainByHand() {
        Decision decision = AutoContainPolicy.fromEnvironment(Map.of()).decide("CryptoCurrency:EC2/BitcoinTool.B!DNS", 8.9);

        assertThat(decision.act()).isFalse();
        assertThat(decision.reason()).contains("automatic containment is off", AutoContainPolicy.TYPES, "Contain entity");
        assertThat(AutoContainPolicy.fromEnvironment(Map.of()).minSeverity()).isEqualTo(7.0);
    }

    @Test
    void matchingTypeAtOrAboveTheMinimum_acts_andNamesThePatternThatMatched() {
        AutoContainPolicy policy = policy(" Backdoor:EC2/* , cryptocurrency:ec2/bitcointool.b!dns ", "7");

        Decision decision = policy.decide("CryptoCurrency:EC2/BitcoinTool.B!DNS", 7.0);

        assertThat(decision.act()).isTrue();
        assertThat(decision.reason()).contains("'cryptocurrency:ec2/bitcointool.b!dns'", "severity 7.0 is at least 7.0");
        assertThat(policy.decide("Backdoor:EC2/C&CActivity.B!DNS", 8.0).act()).isTrue();
    }

    @Test
    void questionMarkMatchesOneCharacter() {
        AutoContainPolicy policy = policy("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.???sideAWS", "1");

        assertThat(policy.decide("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", 8.0).act()).isTrue();
        assertThat(policy.decide("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS", 8.0).act()).isFalse();
    }

    @Test
    void belowTheMinimum_orAnotherType_orNoSeverity_onlyReports_sayingWhy() {
        AutoContainPolicy policy = policy("CryptoCurrency:*", "HIGH");

        assertThat(policy.decide("CryptoCurrency:EC2/BitcoinTool.B", 6.9).reason())
                .isEqualTo("severity 6.9 is below " + AutoContainPolicy.MIN_SEVERITY + " 7.0");
        assertThat(policy.decide("Recon:EC2/Portscan", 9.0).reason())
                .isEqualTo("finding type Recon:EC2/Portscan matches none of " + AutoContainPolicy.TYPES + " (CryptoCurrency:*)");
        assertThat(policy.decide("CryptoCurrency:EC2/BitcoinTool.B", null).act()).isFalse();
    }

    @Test
    void severityLabels_areTheGuardDutyBands() {
        assertThat(policy("*", "low").minSeverity()).isEqualTo(1.0);
        assertThat(policy("*", "Medium").minSeverity()).isEqualTo(4.0);
        assertThat(policy("*", "CRITICAL").minSeverity()).isEqualTo(9.0);
        assertThat(policy("*", "5.5").minSeverity()).isEqualTo(5.5);
    }

    @Test
    void badConfiguration_failsNamingTheVariableAndAValidExample() {
        assertThatThrownBy(() -> policy("CryptoCurrency:EC2/*,,Backdoor:*", ""))
                .hasMessageContaining(AutoContainPolicy.TYPES).hasMessageContaining("empty entry");
        assertThatThrownBy(() -> policy("CryptoCurrency EC2", ""))
                .hasMessageContaining("no spaces");
        assertThatThrownBy(() -> policy("CryptoCurrency", ""))
                .hasMessageContaining("would match no GuardDuty finding").hasMessageContaining("add *");
        assertThatThrownBy(() -> policy("A".repeat(129) + "*", ""))
                .hasMessageContaining("longer than 128");
        assertThatThrownBy(() -> policy("*", "severe"))
                .hasMessageContaining(AutoContainPolicy.MIN_SEVERITY).hasMessageContaining("LOW, MEDIUM, HIGH or CRITICAL");
        assertThatThrownBy(() -> policy("*", "11"))
                .hasMessageContaining("outside 0 to 10");
        assertThatThrownBy(() -> policy("*", "NaN"))
                .hasMessageContaining("outside 0 to 10");
    }
}
