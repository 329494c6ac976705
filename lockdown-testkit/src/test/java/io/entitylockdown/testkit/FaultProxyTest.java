package io.entitylockdown.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** FaultProxy against a small local upstream that records what reached it (no moto needed). */
class FaultProxyTest {
    private static final String IAM_AUTH = auth("iam");

    private HttpServer upstream;
    private final ConcurrentLinkedQueue<String> reached = new ConcurrentLinkedQueue<>();
    private FaultProxy proxy;

    private static String auth(String service) {
        return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/" + service
                + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
    }

    @BeforeEach
    void start() throws IOException {
        FaultProxy.useNoDelay(); // before this test's own server starts the JDK's HTTP server code
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String seen = exchange.getRequestMethod() + " " + exchange.getRequestURI() + " host="
                    + exchange.getRequestHeaders().getFirst("Host") + " body=" + new String(body, StandardCharsets.UTF_8);
            reached.add(seen);
            byte[] answer = ("ok " + seen).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("x-upstream", "moto-like");
            boolean chunked = exchange.getRequestURI().getPath().startsWith("/chunked");
            exchange.sendResponseHeaders(chunked ? 201 : 200, chunked ? 0 : answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        upstream.setExecutor(Executors.newCachedThreadPool());
        upstream.start();
        proxy = FaultProxy.start(java.net.URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.stop(0);
    }

    private record Answer(int status, Map<String, List<String>> headers, String body) {
    }

    private Answer call(String method, String path, Map<String, String> headers, String body, int readTimeoutMs)
            throws IOException {
        HttpURLConnection connection = (HttpURLConnection) proxy.endpoint().resolve(path).toURL().openConnection();
        connection.setRequestMethod(method);
        connection.setConnectTimeout(2000);
        connection.setReadTimeout(readTimeoutMs);
        headers.forEach(connection::setRequestProperty);
        if (body != null) {
            connection.setDoOutput(true);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int status = connection.getResponseCode();
        try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // header names are case-insensitive (the JDK server rewrites their case), as the SDK reads them
            Map<String, List<String>> received = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            connection.getHeaderFields().forEach((name, values) -> {
                if (name != null) {
                    received.put(name, values);
                }
            });
            return new Answer(status, received, text);
        } finally {
            connection.disconnect();
        }
    }

    private Answer query(String service, String action) throws IOException {
        return call("POST", "/", Map.of("Authorization", auth(service),
                "Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                "Action=" + action + "&Version=2010-05-08", 5000);
    }

    @Test
    void forwardsRequestAndAnswerUnchanged_keepingTheSignedHost() throws IOException {
        Answer answer = call("POST", "/some/path?x=1%2F2", Map.of("Authorization", IAM_AUTH,
                "Content-Type", "application/x-www-form-urlencoded"), "Action=CreateUser&UserName=alice", 5000);

        String expectedHost = "127.0.0.1:" + proxy.endpoint().getPort();
        assertThat(reached).containsExactly("POST /some/path?x=1%2F2 host=" + expectedHost
                + " body=Action=CreateUser&UserName=alice");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("ok " + reached.peek());
        assertThat(answer.headers().get("x-upstream")).containsExactly("moto-like");
    }

    @Test
    void chunkedUpstreamAnswer_isPassedOnWhole() throws IOException {
        Answer answer = call("GET", "/chunked/x", Map.of("Authorization", IAM_AUTH), null, 5000);

        assertThat(answer.status()).isEqualTo(201);
        assertThat(answer.body()).startsWith("ok GET /chunked/x");
    }

    @Test
    void namesActions_ofQueryJsonAndLambdaRestRequests() throws IOException {
        query("iam", "CreateUser");
        query("sts", "AssumeRole");
        query("ec2", "DescribeInstances");
        call("POST", "/", Map.of("Authorization", auth("logs"), "X-Amz-Target", "Logs_20140328.PutLogEvents",
                "Content-Type", "application/x-amz-json-1.1"), "{}", 5000);
        call("PUT", "/2017-10-31/functions/my-fn/concurrency", Map.of("Authorization", auth("lambda")),
                "{\"ReservedConcurrentExecutions\":0}", 5000);
        call("GET", "/2019-09-30/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3Afn/concurrency",
                Map.of("Authorization", auth("lambda")), null, 5000);
        call("POST", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3Afn",
                Map.of("Authorization", auth("lambda")), "{}", 5000);
        call("GET", "/bucket/key", Map.of("Authorization", auth("s3")), null, 5000);
        call("GET", "/moto-api/data.json", Map.of(), null, 5000);

        assertThat(proxy.requestLog()).containsExactly("iam:CreateUser", "sts:AssumeRole", "ec2:DescribeInstances",
                "logs:PutLogEvents", "lambda:PutFunctionConcurrency", "lambda:GetFunctionConcurrency",
                "lambda:TagResource", "s3:GET /bucket/key", "unsigned:GET /moto-api/data.json");
        assertThat(proxy.requests("CreateUser")).isEqualTo(1);
        assertThat(proxy.requests("iam:*")).isEqualTo(1);
        assertThat(proxy.requests("lambda:*Concurrency")).isEqualTo(2);
        assertThat(proxy.requestCounts()).containsEntry("sts:AssumeRole", 1).hasSize(9);
    }

    @Test
    void throttling_looksLikeEachProtocolsOwn() throws IOException {
        proxy.inject("*", Fault.throttling());

        Answer iam = query("iam", "AttachUserPolicy");
        Answer ec2 = query("ec2", "ModifyInstanceAttribute");
        Answer json = call("POST", "/", Map.of("Authorization", auth("logs"), "X-Amz-Target", "Logs_20140328.PutLogEvents"),
                "{}", 5000);
        Answer lambda = call("PUT", "/2017-10-31/functions/fn/concurrency", Map.of("Authorization", auth("lambda")),
                "{}", 5000);

        assertThat(iam.status()).isEqualTo(400);
        assertThat(iam.body()).contains("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>");
        assertThat(ec2.status()).isEqualTo(503);
        assertThat(ec2.body()).contains("<Response><Errors><Error><Code>RequestLimitExceeded</Code>");
        assertThat(json.status()).isEqualTo(400);
        assertThat(json.body()).isEqualTo("{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}");
        assertThat(lambda.status()).isEqualTo(429);
        assertThat(lambda.headers().get("x-amzn-ErrorType")).containsExactly("TooManyRequestsException");
        assertThat(reached).isEmpty();
    }

    @Test
    void firstN_areFaulted_thenRequestsPass() throws IOException {
        FaultProxy.Rule rule = proxy.inject("iam:CreateUser", Fault.serverError(503), 2);

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            statuses.add(query("iam", "CreateUser").status());
        }

        assertThat(statuses).containsExactly(503, 503, 200);
        assertThat(rule.applied()).isEqualTo(2);
        assertThat(proxy.requests("iam:CreateUser")).isEqualTo(3);
        assertThat(reached).hasSize(1);
    }

    @Test
    void awsError_onlyForTheNamedServiceAndAction() throws IOException {
        proxy.inject("sts:AssumeRole", Fault.awsError(403, "AccessDenied", "not authorized to perform: sts:AssumeRole"));

        Answer sts = query("sts", "AssumeRole");
        Answer other = query("iam", "AssumeRole");

        assertThat(sts.status()).isEqualTo(403);
        assertThat(sts.body()).contains("<Code>AccessDenied</Code>",
                "<Message>not authorized to perform: sts:AssumeRole</Message>");
        assertThat(other.status()).isEqualTo(200);
    }

    @Test
    void noResponse_timesTheClientOut_andNothingReachesUpstream() {
        proxy.inject("CreateUser", Fault.noResponse(Duration.ofSeconds(3)));

        assertThatThrownBy(() -> call("POST", "/", Map.of("Authorization", IAM_AUTH), "Action=CreateUser", 300))
                .isInstanceOf(SocketTimeoutException.class);
        assertThat(reached).isEmpty();
    }

    @Test
    void slowResponse_forwardsAfterTheDelay() throws IOException {
        proxy.inject("CreateUser", Fault.slowResponse(Duration.ofMillis(250)));

        long start = System.nanoTime();
        Answer answer = query("iam", "CreateUser");

        assertThat(answer.status()).isEqualTo(200);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(250);
        assertThat(reached).hasSize(1);
    }

    @Test
    void concurrentRequests_faultExactlyN() throws Exception {
        FaultProxy.Rule rule = proxy.inject("iam:TagUser", Fault.throttling(), 5);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                calls.add(() -> query("iam", "TagUser").status());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> future : pool.invokeAll(calls)) {
                statuses.add(future.get());
            }

            assertThat(statuses).filteredOn(s -> s == 400).hasSize(5);
            assertThat(statuses).filteredOn(s -> s == 200).hasSize(19);
            assertThat(rule.applied()).isEqualTo(5);
            assertThat(proxy.requests("TagUser")).isEqualTo(24);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void close_endsHeldRequestsAndLeavesNoThreadOrPort() throws Exception {
        proxy.inject("CreateUser", Fault.noResponse(Duration.ofSeconds(30)));
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            client.submit(() -> query("iam", "CreateUser"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (proxy.requests("CreateUser") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            int port = proxy.endpoint().getPort();

            long start = System.nanoTime();
            proxy.close();

            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3000);
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive()
                    && t.getName().startsWith(proxy.threadNamePrefix()));
            assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
            proxy.close();
        } finally {
            client.shutdownNow();
        }
    }

    @Test
    void latency_isAddedToEveryRequest_andConcurrentRequestsWaitTogether() throws Exception {
        // The upstream answers only once all four requests have reached it: a proxy that handled them
        // one after another would never get there, and every request would time out.
        CountDownLatch together = new CountDownLatch(4);
        upstream.createContext("/together", exchange -> {
            together.countDown();
            boolean all;
            try {
                all = together.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                all = false;
            }
            byte[] answer = (all ? "together" : "alone").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        proxy.latency(Duration.ofMillis(400));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<String>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(() -> call("POST", "/together", Map.of("Authorization", IAM_AUTH), "Action=GetUser", 30_000)
                        .body());
            }
            List<String> answers = new ArrayList<>();
            for (Future<String> future : pool.invokeAll(calls)) {
                answers.add(future.get());
            }

            assertThat(answers).containsOnly("together");
            assertThat(proxy.exchanges()).hasSize(4).allSatisfy(exchange -> {
                assertThat(exchange.answered()).isTrue();
                assertThat(exchange.answeredNanos() - exchange.arrivedNanos())
                        .isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
            });
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void exchanges_areLoggedInArrivalOrder_withTimesStatusAndFault() throws IOException {
        proxy.inject("iam:TagUser", Fault.throttling(), 1);

        query("iam", "GetUser");
        query("iam", "TagUser");
        query("sts", "AssumeRole");

        List<FaultProxy.Exchange> log = proxy.exchanges();
        assertThat(log).extracting(FaultProxy.Exchange::action)
                .containsExactly("iam:GetUser", "iam:TagUser", "sts:AssumeRole");
        assertThat(log).extracting(FaultProxy.Exchange::sequence).containsExactly(0L, 1L, 2L);
        assertThat(log).extracting(FaultProxy.Exchange::status).containsExactly(200, 400, 200);
        assertThat(log.get(1).fault()).isEqualTo(Fault.throttling());
        assertThat(log.get(0).fault()).isNull();
        // sent one after another: each answer went out before the next request arrived
        assertThat(log.get(0).answeredBefore(log.get(1))).isTrue();
        assertThat(log.get(1).answeredBefore(log.get(2))).isTrue();
        assertThat(log.get(2).answeredBefore(log.get(0))).isFalse();
        assertThat(proxy.requestLog()).containsExactly("iam:GetUser", "iam:TagUser", "sts:AssumeRole");
    }

    @Test
    void droppedRequest_isLoggedWithoutAnAnswer() {
        proxy.inject("CreateUser", Fault.noResponse(Duration.ofMillis(600)));

        assertThatThrownBy(() -> call("POST", "/", Map.of("Authorization", IAM_AUTH), "Action=CreateUser", 3000))
                .isInstanceOf(IOException.class);

        // HttpURLConnection sends a POST once more when the connection drops; each try is logged the same way
        assertThat(proxy.exchanges()).isNotEmpty().allSatisfy(exchange -> {
            assertThat(exchange.answered()).isFalse();
            assertThat(exchange.status()).isZero();
            assertThat(exchange.fault()).isInstanceOf(Fault.Delay.class);
        });
    }

    @Test
    void probabilisticRules_faultTheirShare_neverTwice_andRepeatWithTheSeed() throws IOException {
        FaultProxy.Rule throttled = proxy.inject("*", Fault.throttling(), 0.10);
        FaultProxy.Rule failed = proxy.inject("*", Fault.serverError(500), 0.02);
        proxy.seed(42);

        List<Integer> first = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            first.add(query("iam", "GetUser").status());
        }
        proxy.seed(42);
        List<Integer> second = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            second.add(query("iam", "GetUser").status());
        }

        assertThat(second).isEqualTo(first);
        long throttles = first.stream().filter(s -> s == 400).count();
        long errors = first.stream().filter(s -> s == 500).count();
        // 10% and 2% of 1,000: binomial, well inside these bounds for any seed worth keeping
        assertThat(throttles).isBetween(60L, 140L);
        assertThat(errors).isBetween(5L, 40L);
        assertThat(first).containsOnly(200, 400, 500);
        assertThat(throttled.applied() + failed.applied()).isEqualTo((int) (2 * (throttles + errors)));
        assertThat(reached).hasSize(2000 - (int) (2 * (throttles + errors)));
    }

    @Test
    void countedRules_comeBeforeProbabilisticOnes() throws IOException {
        proxy.inject("*", Fault.serverError(503), 1.0);
        proxy.inject("iam:GetUser", Fault.throttling(), 1);

        assertThat(query("iam", "GetUser").status()).isEqualTo(400);
        assertThat(query("iam", "GetUser").status()).isEqualTo(503);
    }

    @Test
    void invalidRules_areRejected() {
        assertThatThrownBy(() -> proxy.inject(" ", Fault.throttling())).hasMessageContaining("needs an action");
        assertThatThrownBy(() -> proxy.inject("CreateUser", Fault.throttling(), 0)).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> Fault.serverError(404)).hasMessageContaining("5xx");
        assertThatThrownBy(() -> Fault.awsError(200, "X", "y")).hasMessageContaining("4xx or 5xx");
        assertThatThrownBy(() -> proxy.inject("*", Fault.throttling(), 0.0)).hasMessageContaining("probability");
        assertThatThrownBy(() -> proxy.inject("*", Fault.throttling(), 1.5)).hasMessageContaining("probability");
        assertThatThrownBy(() -> proxy.latency(Duration.ofMillis(-1))).hasMessageContaining("negative");
    }
}
