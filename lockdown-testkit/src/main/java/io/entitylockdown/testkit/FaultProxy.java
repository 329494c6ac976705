package io.entitylockdown.testkit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP proxy on a free loopback port that sits between the AWS SDK and moto and injects faults:
 * throttling, 5xx, any AWS error, or a delay longer than the client's timeout, for the first N
 * requests of an action or for all of them. Point the engine's endpoint at {@link #endpoint()}.
 *
 * <p>Requests are forwarded byte for byte (the {@code Host} header included, so SigV4 signatures still
 * verify). Actions are named like IAM actions, {@code sts:AssumeRole}: the service comes from the
 * SigV4 credential scope, the operation from {@code Action=} (query APIs), {@code X-Amz-Target} (JSON
 * APIs) or, for Lambda's REST API, from the method and path. A rule names either the qualified action
 * or the bare operation ({@code AssumeRole}); {@code *} is a wildcard ({@code iam:*}).
 *
 * <p>Thread-safe. {@link #close()} stops the listener and every handler thread, including ones that
 * are holding a delayed request.
 */
public final class FaultProxy implements AutoCloseable {
    private static final Pattern CREDENTIAL_SCOPE =
            Pattern.compile("Credential=[^/,\\s]+/\\d{8}/([^/]+)/([^/]+)/aws4_request");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding",
            "content-length", "proxy-connection", "te", "trailer", "upgrade", "expect");
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final String threadPrefix;
    private volatile boolean closed;

    private FaultProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        this.threadPrefix = "fault-proxy-" + INSTANCES.incrementAndGet() + "-";
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, threadPrefix + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        this.handlers = Executors.newCachedThreadPool(factory);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a proxy to {@code upstream} (e.g. {@code moto.endpoint()}). */
    public static FaultProxy start(URI upstream) {
        if (upstream.getHost() == null || upstream.getPort() < 0) {
            throw new IllegalArgumentException("The upstream must be http://host:port; got " + upstream);
        }
        try {
            return new FaultProxy(upstream);
        } catch (IOException e) {
            throw new IllegalStateException("Could not listen on a loopback port: " + e.getMessage(), e);
        }
    }

    /** Where to send requests: {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Applies {@code fault} to every request of {@code action}. */
    public Rule inject(String action, Fault fault) {
        return add(new Rule(action, fault, -1));
    }

    /** Applies {@code fault} to the next {@code times} requests of {@code action}; later ones pass. */
    public Rule inject(String action, Fault fault, int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1; got " + times);
        }
        return add(new Rule(action, fault, times));
    }

    private Rule add(Rule rule) {
        rules.add(rule);
        return rule;
    }

    /** Removes every rule; requests pass untouched from now on. Counts are kept. */
    public void clearRules() {
        rules.clear();
    }

    /** Requests seen (faulted or forwarded) whose action matches {@code action} (qualified, bare or pattern). */
    public int requests(String action) {
        Pattern pattern = Rule.compile(action);
        return counts.entrySet().stream()
                .filter(e -> Rule.matches(pattern, action, e.getKey()))
                .mapToInt(e -> e.getValue().get())
                .sum();
    }

    /** Requests seen per qualified action, sorted by action. */
    public Map<String, Integer> requestCounts() {
        Map<String, Integer> copy = new TreeMap<>();
        counts.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /** Every qualified action in the order the requests arrived. */
    public List<String> requestLog() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** Forgets the counts and the log (rules stay). */
    public void resetCounts() {
        counts.clear();
        log.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Request request = Request.of(exchange, body);
            counts.computeIfAbsent(request.qualifiedAction(), k -> new AtomicInteger()).incrementAndGet();
            log.add(request.qualifiedAction());
            Fault fault = claimFault(request);
            if (fault instanceof Fault.Delay delay) {
                if (!sleep(delay)) {
                    return;
                }
                if (!delay.forward()) {
                    return; // closing the exchange without an answer drops the connection
                }
                fault = null;
            }
            if (fault == null) {
                forward(exchange, request);
            } else {
                respond(exchange, ErrorAnswer.of(fault, request));
            }
        } catch (IOException e) {
            // the client gave up (its timeout) or went away; nothing to answer
        }
    }

    private Fault claimFault(Request request) {
        for (Rule rule : rules) {
            if (rule.matches(request.qualifiedAction()) && rule.claim()) {
                return rule.fault();
            }
        }
        return null;
    }

    private boolean sleep(Fault.Delay delay) {
        try {
            Thread.sleep(delay.delay().toMillis());
            return !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void forward(HttpExchange exchange, Request request) throws IOException {
        Response response;
        try {
            response = send(exchange, request);
        } catch (IOException e) {
            respond(exchange, new Response(502, Map.of("Content-Type", List.of("text/plain")),
                    ("FaultProxy could not reach " + upstream + ": " + e.getMessage()).getBytes(StandardCharsets.UTF_8)));
            return;
        }
        respond(exchange, response);
    }

    private Response send(HttpExchange exchange, Request request) throws IOException {
        try (Socket socket = new Socket(upstream.getHost(), upstream.getPort())) {
            socket.setSoTimeout(60_000);
            StringBuilder head = new StringBuilder();
            head.append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI().toString())
                    .append(" HTTP/1.1\r\n");
            for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
                if (HOP_BY_HOP.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                    continue;
                }
                for (String value : header.getValue()) {
                    head.append(header.getKey()).append(": ").append(value).append("\r\n");
                }
            }
            head.append("Content-Length: ").append(request.body().length).append("\r\n");
            head.append("Connection: close\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(request.body());
            out.flush();
            return Response.read(socket.getInputStream(), exchange.getRequestMethod());
        }
    }

    private static void respond(HttpExchange exchange, Response response) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        response.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(lower) && !lower.equals("date")) {
                headers.put(name, new ArrayList<>(values));
            }
        });
        boolean noBody = response.body().length == 0 || "HEAD".equals(exchange.getRequestMethod())
                || response.status() == 204 || response.status() == 304;
        exchange.sendResponseHeaders(response.status(), noBody ? -1 : response.body().length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        }
    }

    /** Stops listening and ends every handler, including those holding a delayed request. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        handlers.shutdownNow();
        try {
            if (!handlers.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("FaultProxy handler threads did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The name prefix of this proxy's handler threads (for leak checks). */
    public String threadNamePrefix() {
        return threadPrefix;
    }

    /** One injection: which action, what fault, how many more times ({@code -1}: always). */
    public static final class Rule {
        private final String action;
        private final Pattern pattern;
        private final Fault fault;
        private final AtomicInteger remaining;
        private final AtomicInteger applied = new AtomicInteger();

        Rule(String action, Fault fault, int times) {
            if (action == null || action.isBlank()) {
                throw new IllegalArgumentException("A rule needs an action such as sts:AssumeRole or AssumeRole");
            }
            this.action = action.strip();
            this.pattern = compile(this.action);
            this.fault = java.util.Objects.requireNonNull(fault, "fault");
            this.remaining = new AtomicInteger(times);
        }

        public String action() {
            return action;
        }

        public Fault fault() {
            return fault;
        }

        /** How many requests this rule has answered so far. */
        public int applied() {
            return applied.get();
        }

        boolean matches(String qualifiedAction) {
            return matches(pattern, action, qualifiedAction);
        }

        /** Takes one of the remaining applications, atomically; false when none is left. */
        boolean claim() {
            while (true) {
                int left = remaining.get();
                if (left == 0) {
                    return false;
                }
                if (left < 0 || remaining.compareAndSet(left, left - 1)) {
                    applied.incrementAndGet();
                    return true;
                }
            }
        }

        static Pattern compile(String action) {
            StringBuilder regex = new StringBuilder();
            for (char c : action.toCharArray()) {
                regex.append(c == '*' ? ".*" : Pattern.quote(String.valueOf(c)));
            }
            return Pattern.compile(regex.toString());
        }

        /** "sts:AssumeRole" matches the qualified action; "AssumeRole" the operation in any service. */
        static boolean matches(Pattern pattern, String ruleAction, String qualifiedAction) {
            if (ruleAction.contains(":")) {
                return pattern.matcher(qualifiedAction).matches();
            }
            String operation = qualifiedAction.substring(qualifiedAction.indexOf(':') + 1);
            return pattern.matcher(operation).matches();
        }

        @Override
        public String toString() {
            return action + " -> " + fault + (remaining.get() < 0 ? " (always)" : " (" + remaining.get() + " left)");
        }
    }

    /** The wire protocol of a request, which decides how an injected error must look. */
    enum Protocol { QUERY, EC2, JSON, REST_JSON }

    /** What the proxy needs to know about one request. */
    record Request(String service, String operation, Protocol protocol, byte[] body) {

        String qualifiedAction() {
            return (service.isEmpty() ? "unsigned" : service) + ":" + operation;
        }

        static Request of(HttpExchange exchange, byte[] body) {
            Headers headers = exchange.getRequestHeaders();
            String service = "";
            String authorization = headers.getFirst("Authorization");
            if (authorization != null) {
                Matcher scope = CREDENTIAL_SCOPE.matcher(authorization);
                if (scope.find()) {
                    service = scope.group(2);
                }
            }
            String target = headers.getFirst("X-Amz-Target");
            if (target != null && !target.isBlank()) {
                return new Request(service, target.substring(target.lastIndexOf('.') + 1), Protocol.JSON, body);
            }
            String action = formAction(new String(body, StandardCharsets.UTF_8));
            if (action == null && exchange.getRequestURI().getRawQuery() != null) {
                action = formAction(exchange.getRequestURI().getRawQuery());
            }
            if (action != null) {
                return new Request(service, action, service.equals("ec2") ? Protocol.EC2 : Protocol.QUERY, body);
            }
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String operation = service.equals("lambda") ? LambdaRoutes.operation(method, path) : null;
            return new Request(service, operation != null ? operation : method + " " + path, Protocol.REST_JSON, body);
        }

        private static String formAction(String form) {
            for (String pair : form.split("&")) {
                if (pair.startsWith("Action=")) {
                    return URLDecoder.decode(pair.substring("Action=".length()), StandardCharsets.UTF_8);
                }
            }
            return null;
        }
    }

    /** Lambda's REST routes (API versions in the path) for the operations the engine and its tests use. */
    static final class LambdaRoutes {
        private static final String NAME = "[^/]+";
        private record Route(String method, Pattern path, String operation) {
        }

        private static final List<Route> ROUTES = List.of(
                route("GET", "/2015-03-31/functions/?", "ListFunctions"),
                route("POST", "/2015-03-31/functions/?", "CreateFunction"),
                route("GET", "/2015-03-31/functions/" + NAME + "/?", "GetFunction"),
                route("DELETE", "/2015-03-31/functions/" + NAME + "/?", "DeleteFunction"),
                route("GET", "/2015-03-31/functions/" + NAME + "/configuration/?", "GetFunctionConfiguration"),
                route("PUT", "/2015-03-31/functions/" + NAME + "/configuration/?", "UpdateFunctionConfiguration"),
                route("PUT", "/2017-10-31/functions/" + NAME + "/concurrency/?", "PutFunctionConcurrency"),
                route("DELETE", "/2017-10-31/functions/" + NAME + "/concurrency/?", "DeleteFunctionConcurrency"),
                route("GET", "/2019-09-30/functions/" + NAME + "/concurrency/?", "GetFunctionConcurrency"),
                route("GET", "/2015-03-31/functions/" + NAME + "/aliases/?", "ListAliases"),
                route("POST", "/2015-03-31/functions/" + NAME + "/aliases/?", "CreateAlias"),
                route("GET", "/2015-03-31/functions/" + NAME + "/aliases/" + NAME + "/?", "GetAlias"),
                route("GET", "/2015-03-31/functions/" + NAME + "/versions/?", "ListVersionsByFunction"),
                route("POST", "/2015-03-31/functions/" + NAME + "/versions/?", "PublishVersion"),
                route("GET", "/2015-03-31/functions/" + NAME + "/policy/?", "GetPolicy"),
                route("POST", "/2015-03-31/functions/" + NAME + "/invocations/?", "Invoke"),
                route("GET", "/2017-03-31/tags/" + NAME + "/?", "ListTags"),
                route("POST", "/2017-03-31/tags/" + NAME + "/?", "TagResource"),
                route("DELETE", "/2017-03-31/tags/" + NAME + "/?", "UntagResource"));

        private LambdaRoutes() {
        }

        private static Route route(String method, String path, String operation) {
            return new Route(method, Pattern.compile(path), operation);
        }

        static String operation(String method, String path) {
            for (Route route : ROUTES) {
                if (route.method().equals(method) && route.path().matcher(path).matches()) {
                    return route.operation();
                }
            }
            return null;
        }
    }

    /** An answer as it goes back to the client. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {

        /** Reads an HTTP/1.1 response from a connection that the server closes after it. */
        static Response read(InputStream in, String method) throws IOException {
            String statusLine = readLine(in);
            if (statusLine == null || !statusLine.startsWith("HTTP/")) {
                throw new IOException("not an HTTP response: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>())
                            .add(line.substring(colon + 1).strip());
                }
            }
            byte[] body;
            if ("HEAD".equals(method) || status == 204 || status == 304 || status < 200) {
                body = new byte[0];
            } else if (headers.getOrDefault("Transfer-Encoding", List.of()).stream()
                    .anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))) {
                body = readChunked(in);
            } else if (headers.containsKey("Content-Length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("Content-Length").get(0)));
            } else {
                body = in.readAllBytes();
            }
            return new Response(status, headers, body);
        }

        private static byte[] readChunked(InputStream in) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                if (sizeLine == null) {
                    throw new IOException("chunked body ended early");
                }
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
                if (size == 0) {
                    for (String trailer = readLine(in); trailer != null && !trailer.isEmpty(); trailer = readLine(in)) {
                        // trailers carry nothing the client needs here
                    }
                    return body.toByteArray();
                }
                body.write(in.readNBytes(size));
                readLine(in);
            }
        }

        private static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Renders an injected error in the request's protocol. */
    static final class ErrorAnswer {
        private ErrorAnswer() {
        }

        static Response of(Fault fault, Request request) {
            Fault.AwsError error = fault instanceof Fault.AwsError given ? given : throttling(request.protocol());
            String requestId = UUID.randomUUID().toString();
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.put("x-amzn-RequestId", List.of(requestId));
            String body;
            switch (request.protocol()) {
                case EC2 -> {
                    headers.put("Content-Type", List.of("text/xml;charset=UTF-8"));
                    body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + xml(error.code())
                            + "</Code><Message>" + xml(error.message()) + "</Message></Error></Errors><RequestID>"
                            + requestId + "</RequestID></Response>";
                }
                case QUERY -> {
                    headers.put("Content-Type", List.of("text/xml"));
                    body = "<ErrorResponse><Error><Type>" + (error.status() >= 500 ? "Receiver" : "Sender")
                            + "</Type><Code>" + xml(error.code()) + "</Code><Message>" + xml(error.message())
                            + "</Message></Error><RequestId>" + requestId + "</RequestId></ErrorResponse>";
                }
                case JSON -> {
                    headers.put("Content-Type", List.of("application/x-amz-json-1.1"));
                    body = "{\"__type\":\"" + json(error.code()) + "\",\"message\":\"" + json(error.message()) + "\"}";
                }
                default -> {
                    headers.put("Content-Type", List.of("application/json"));
                    headers.put("x-amzn-ErrorType", List.of(error.code()));
                    body = "{\"Type\":\"" + (error.status() >= 500 ? "Service" : "User") + "\",\"message\":\""
                            + json(error.message()) + "\"}";
                }
            }
            return new Response(error.status(), headers, body.getBytes(StandardCharsets.UTF_8));
        }

        private static Fault.AwsError throttling(Protocol protocol) {
            return switch (protocol) {
                case QUERY -> new Fault.AwsError(400, "Throttling", "Rate exceeded");
                case EC2 -> new Fault.AwsError(503, "RequestLimitExceeded", "Request limit exceeded.");
                case JSON -> new Fault.AwsError(400, "ThrottlingException", "Rate exceeded");
                case REST_JSON -> new Fault.AwsError(429, "TooManyRequestsException", "Rate exceeded");
            };
        }

        private static String xml(String text) {
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        }

        private static String json(String text) {
            return text.replace("\\", "\\\\").replace("\"", "\\\"");
        }
    }
}
