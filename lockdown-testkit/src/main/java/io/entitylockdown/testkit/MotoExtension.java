package io.entitylockdown.testkit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: provides the JVM-wide {@link MotoServer} (parameter injection) and resets it
 * before each test. When moto is missing the tests are skipped on a developer machine, and fail when
 * {@code CI=true}: CI must never pass without having run the integration tests.
 */
public final class MotoExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

    @Override
    public void beforeAll(ExtensionContext context) {
        server();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        server().reset();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == MotoServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server();
    }

    static MotoServer server() {
        try {
            return MotoServer.shared();
        } catch (MotoUnavailableException e) {
            if (isCi()) {
                throw new IllegalStateException("CI=true and moto is unavailable, so the integration tests cannot run: "
                        + e.getMessage(), e);
            }
            Assumptions.abort("moto unavailable (set CI=true to make this a failure): " + e.getMessage());
            throw e;
        }
    }

    /** True when the CI environment variable says so. */
    public static boolean isCi() {
        String ci = System.getenv("CI");
        return ci != null && (ci.equalsIgnoreCase("true") || ci.equals("1"));
    }
}
