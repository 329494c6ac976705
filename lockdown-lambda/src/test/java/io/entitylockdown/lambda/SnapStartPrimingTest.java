package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.crac.Context;
import org.crac.Resource;
import org.junit.jupiter.api.Test;

/** SnapStart priming prepares one signed request per client the function uses and sends none of them. */
class SnapStartPrimingTest {
    /** Classes a containment loads on its first call to each service: loaded by priming instead. */
    private static final List<String> PRIMED_CLASSES = List.of(
            "software.amazon.awssdk.services.sts.transform.AssumeRoleRequestMarshaller",
            "software.amazon.awssdk.services.iam.transform.GetUserRequestMarshaller",
            "software.amazon.awssdk.services.ec2.transform.DescribeInstancesRequestMarshaller",
            "software.amazon.awssdk.services.lambda.transform.GetFunctionConcurrencyRequestMarshaller",
            "software.amazon.awssdk.services.autoscaling.transform.DescribeAutoScalingInstancesRequestMarshaller",
            "software.amazon.awssdk.services.elasticloadbalancingv2.transform.DescribeTargetGroupsRequestMarshaller",
            "software.amazon.awssdk.services.sns.transform.PublishRequestMarshaller",
            "software.amazon.awssdk.services.sqs.transform.SendMessageRequestMarshaller",
            "software.amazon.awssdk.services.secretsmanager.transform.GetSecretValueRequestMarshaller",
            "software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient");

    @Test
    void prime_marshalsAndSignsOneRequestPerClient_andNothingReachesTheEndpoint() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        endpoint.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        endpoint.start();
        try {
            SnapStartPriming priming = new SnapStartPriming(Map.of("AWS_REGION", "eu-west-1"),
                    URI.create("http://127.0.0.1:" + endpoint.getAddress().getPort()));

            List<SnapStartPriming.Prepared> prepared = priming.prime();

            assertThat(prepared).extracting(SnapStartPriming.Prepared::action).containsExactly("sts:AssumeRole",
                    "iam:GetUser", "ec2:DescribeInstances", "lambda:GetFunctionConcurrency",
                    "autoscaling:DescribeAutoScalingInstances", "elasticloadbalancing:DescribeTargetGroups",
                    "sns:Publish", "sqs:SendMessage", "secretsmanager:GetSecretValue");
            assertThat(prepared).as("signed, so the signer is primed too").allMatch(SnapStartPriming.Prepared::signed);
            assertThat(requests).as("requests that reached the endpoint").hasValue(0);
        } finally {
            endpoint.stop(0);
        }
    }

    @Test
    void prime_loadsTheClassesOfEveryClient_inAFreshClassLoader() throws Exception {
        try (Probe probe = new Probe()) {
            assertThat(PRIMED_CLASSES).as("loaded before priming").noneMatch(probe::loaded);
            Class<?> primingClass = probe.loadClass(SnapStartPriming.class.getName());
            Constructor<?> constructor = primingClass.getDeclaredConstructor(Map.class, URI.class);
            constructor.setAccessible(true);
            Object priming = constructor.newInstance(Map.of("AWS_REGION", "us-east-1"), URI.create("http://127.0.0.1:9"));
            Method prime = primingClass.getDeclaredMethod("prime");
            prime.setAccessible(true);

            List<?> prepared = (List<?>) prime.invoke(priming);

            assertThat(prepared).hasSize(9);
            assertThat(PRIMED_CLASSES).as("loaded by priming").allMatch(probe::loaded);
        }
    }

    @Test
    void register_registersOnce_howeverManyHandlersAreBuilt() {
        List<Resource> registered = new ArrayList<>();
        Context<Resource> context = new Context<>() {
            @Override
            public void beforeCheckpoint(Context<? extends Resource> ignored) {
            }

            @Override
            public void afterRestore(Context<? extends Resource> ignored) {
            }

            @Override
            public void register(Resource resource) {
                registered.add(resource);
            }
        };

        SnapStartPriming.register(context);
        SnapStartPriming.register(context);

        assertThat(registered).hasSize(1).allMatch(SnapStartPriming.class::isInstance);
    }

    /** The test classpath without the test's own class loader as parent, so it loads every class afresh. */
    private static final class Probe extends URLClassLoader {
        Probe() throws MalformedURLException {
            super(classpath(), ClassLoader.getPlatformClassLoader());
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }

        private static URL[] classpath() throws MalformedURLException {
            String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<URL> urls = new ArrayList<>();
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    urls.add(new File(entry).toURI().toURL());
                }
            }
            return urls.toArray(URL[]::new);
        }
    }
}
