package io.entitylockdown.core;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * AWS without a network, for unit tests of request order: an {@link SdkHttpClient} that answers each
 * operation with a canned body (and a short delay, so that requests sent together overlap as round
 * trips do), and an interceptor that records, in order, when each request was sent and when its answer
 * came back. Operations without an answer get a 400 error, which is enough when a test asserts only the
 * order of the first requests.
 */
public final class FakeAws {
    /** One event: a request being sent, or its answer received. */
    public record Event(String operation, boolean sent) {
        @Override
        public String toString() {
            return (sent ? "> " : "< ") + operation;
        }
    }

    private final Map<String, Function<String, String>> answers = new HashMap<>();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final Duration latency;

    public FakeAws(Duration latency) {
        this.latency = latency;
    }

    /** Answers {@code operation} (e.g. "PutUserPolicy", "GetFunction") with this body. */
    public FakeAws answer(String operation, String body) {
        return answer(operation, request -> body);
    }

    /** Answers {@code operation} with a body made from the request's body. */
    public FakeAws answer(String operation, Function<String, String> body) {
        answers.put(operation, body);
        return this;
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    /** The operations in the order they were sent. */
    public List<String> sent() {
        return events.stream().filter(Event::sent).map(Event::operation).toList();
    }

    /** Operations whose answer arrived before {@code operation} was first sent: the round trips before it. */
    public List<String> answeredBefore(String operation) {
        List<String> answered = new ArrayList<>();
        for (Event event : events) {
            if (event.sent() && event.operation().equals(operation)) {
                return answered;
            }
            if (!event.sent()) {
                answered.add(event.operation());
            }
        }
        throw new AssertionError(operation + " was never sent: " + events);
    }

    /** An engine acting through this fake, as the caller (no member role) or through the member role. */
    public LockdownEngine engine(boolean memberRole) {
        TestEngine.Builder engine = TestEngine.at(URI.create("http://fake.aws.invalid"))
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDFAKE", "fake")))
                .interceptor(recorder()).timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), 1)
                .httpClient(httpClient());
        return memberRole ? engine.build() : engine.callerCredentials().build();
    }

    private ExecutionInterceptor recorder() {
        return new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                events.add(new Event(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), true));
            }

            @Override
            public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                events.add(new Event(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), false));
            }

            @Override
            public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
                events.add(new Event(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), false));
            }
        };
    }

    private SdkHttpClient httpClient() {
        return new SdkHttpClient() {
            @Override
            public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
                return new ExecutableHttpRequest() {
                    @Override
                    public HttpExecuteResponse call() throws IOException {
                        String body = request.contentStreamProvider().map(p -> read(p.newStream())).orElse("");
                        String operation = operation(request, body);
                        try {
                            // the round trip this fake stands for: requests sent together overlap, as on AWS
                            Thread.sleep(latency.toMillis());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted", e);
                        }
                        Function<String, String> answer = answers.get(operation);
                        int status = answer == null ? 400 : 200;
                        String text = answer == null ? error(request) : answer.apply(body);
                        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                        return HttpExecuteResponse.builder()
                                .response(SdkHttpResponse.builder().statusCode(status)
                                        .putHeader("Content-Type", json(request) ? "application/json" : "text/xml")
                                        .putHeader("Content-Length", Integer.toString(bytes.length)).build())
                                .responseBody(AbortableInputStream.create(new ByteArrayInputStream(bytes))).build();
                    }

                    @Override
                    public void abort() {
                    }
                };
            }

            @Override
            public void close() {
            }
        };
    }

    private static boolean json(HttpExecuteRequest request) {
        return request.httpRequest().encodedPath().startsWith("/20");
    }

    private static String error(HttpExecuteRequest request) {
        return json(request) ? "{\"Type\":\"User\",\"message\":\"no canned answer\"}"
                : "<ErrorResponse><Error><Code>NotCanned</Code><Message>no canned answer</Message></Error></ErrorResponse>";
    }

    /** Query APIs name it in Action=; Lambda's REST API in its method and path. */
    static String operation(HttpExecuteRequest request, String body) {
        Optional<String> action = List.of(body.split("&")).stream().filter(p -> p.startsWith("Action="))
                .map(p -> URLDecoder.decode(p.substring(7), StandardCharsets.UTF_8)).findFirst();
        if (action.isPresent()) {
            return action.get();
        }
        String path = request.httpRequest().encodedPath();
        String method = request.httpRequest().method().name();
        if (path.contains("/concurrency")) {
            return switch (method) {
                case "GET" -> "GetFunctionConcurrency";
                case "PUT" -> "PutFunctionConcurrency";
                default -> "DeleteFunctionConcurrency";
            };
        }
        if (path.startsWith("/2017-03-31/tags/")) {
            return method.equals("GET") ? "ListTags" : method.equals("POST") ? "TagResource" : "UntagResource";
        }
        if (path.matches("/2015-03-31/functions/?")) {
            return "ListFunctions";
        }
        if (path.startsWith("/2015-03-31/functions/")) {
            return "GetFunction";
        }
        return method + " " + path;
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
