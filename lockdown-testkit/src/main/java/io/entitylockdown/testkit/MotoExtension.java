package io.entitylockdown.testkit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: provides the JVM-wide {@link MotoServer} and resets it before each test, and hands
 * a test (and its {@code @BeforeEach} methods) one {@link MotoEstate} on that server, closed after the
 * test. Both by parameter injection. When moto is missing the tests are skipped on a developer machine,
 * and fail when {@code CI=true}: CI must never pass without having run the integration tests.
 */
public final class MotoExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MotoExtension.class);

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
        Class<?> type = parameter.getParameter().getType();
        return type == MotoServer.class || type == MotoEstate.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (parameter.getParameter().getType() == MotoEstate.class) {
            // one per test, shared with its @BeforeEach methods; the store closes it after the test
            return context.getStore(NAMESPACE).getOrComputeIfAbsent(MotoEstate.class, k -> MotoEstate.on(server()),
                    MotoEstate.class);
        }
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
