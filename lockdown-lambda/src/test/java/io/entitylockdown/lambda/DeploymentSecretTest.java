package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeploymentSecretTest {

    @Test
    void matches_onlyTheExactValue() {
        DeploymentSecret secret = DeploymentSecret.ofNullable("abcdefghijklmnop");

        assertThat(secret.matches("abcdefghijklmnop")).isTrue();
        assertThat(secret.matches("abcdefghijklmnoP")).isFalse();
        assertThat(secret.matches("abcdefghijklmno")).isFalse();
        assertThat(secret.matches("")).isFalse();
        assertThat(secret.matches(null)).isFalse();
    }

    @Test
    void ofNullable_whenBlank_isNull() {
        assertThat(DeploymentSecret.ofNullable("  ")).isNull();
        assertThat(DeploymentSecret.ofNullable(null)).isNull();
    }

    @Test
    void toString_andSignature_neverShowTheSecret() {
        DeploymentSecret secret = DeploymentSecret.ofNullable("abcdefghijklmnop");

        assertThat(secret.toString()).doesNotContain("abcdefghijklmnop");
        assertThat(secret.sign("abcdefghijklmnop")).doesNotContain("abcdefghijklmnop").hasSize(43);
    }

    @Test
    void signature_dependsOnKeyAndText() {
        DeploymentSecret a = DeploymentSecret.ofNullable("abcdefghijklmnop");
        DeploymentSecret b = DeploymentSecret.ofNullable("abcdefghijklmnoq");

        assertThat(a.sign("x")).isEqualTo(a.sign("x")).isNotEqualTo(a.sign("y")).isNotEqualTo(b.sign("x"));
        assertThat(a.verify("x", a.sign("x"))).isTrue();
        assertThat(a.verify("x", b.sign("x"))).isFalse();
    }
}
