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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
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
 * An HTTP proxy on a free loopback port that sits between the AWS SDK and moto and injects what real
 * AWS has and moto lacks: network latency on every request, throttling, 5xx, any AWS error, or a delay
 * longer than the client's timeout, for the first N requests of an action, for all of them, or for a
 * given share of them (seeded, so a run can be repeated). Point the engine's endpoint at
 * {@link #endpoint()}.
 *
 * <p>Requests are forwarded byte for byte (the {@code Host} header included, so SigV4 signatures still
 * verify). Actions are named like IAM actions, {@code sts:AssumeRole}: the service comes from the
 * SigV4 credential scope, the operation from {@code Action=} (query APIs), {@code X-Amz-Target} (JSON
 * APIs) or, for Lambda's REST API, from the method and path. A rule names either the qualified action or the bare operation ({@code AssumeRole});
 * {@code *} is a wildcard ({@code iam:*}).
 *
 * <p>Every request is logged in arrival order with the time it arrived and the time its answer was
 * sent ({@link #exchanges()}), so a benchmark can tell which requests overlapped and how many round
 * trips came before a given request.
 *
 * <p>Thread-safe; concurrent requests are handled concurrently (each waits its own latency).
 * {@link #close()} stops the listener and every handler thread, including ones that are holding a
 * delayed request.
 */
public final class FaultProxy implements AutoCloseable {
    private static final Pattern CREDENTIAL_SCOPE =
            Pattern.compile("Credential=[^/,\\s]+/\\d{8}/([^/]+)/([^/]+)/aws4_request");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding",
            "content-length", "proxy-connection", "te", "trailer", "upgrade", "expect");
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** The seed of the probabilistic rules until {@link #seed(long)} sets another. */
    public static final long DEFAULT_SEED = 20261128L;
    private static final String NO_DELAY = "sun.net.httpserver.nodelay";

    static {
        useNoDelay();
    }

    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<Entry> log = new ArrayList<>();
    private final String threadPrefix;
    private final Object randomLock = new Object();
    private SplittableRandom random = new SplittableRandom(DEFAULT_SEED);
    private volatile Duration latency = Duration.ZERO;
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
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Makes the JDK's HTTP server, which the proxy listens with, send without Nagle's algorithm. It writes
     * an answer's head and body separately; with Nagle the body then waits for the client's delayed ACK
     * (40 ms and more per request on Linux), which a benchmark would count as AWS time. The JDK reads the
     * setting once, when its first HTTP server starts, so this runs when this class is loaded; a JVM that
     * started another {@code com.sun.net.httpserver} server first keeps that server's setting.
     */
    static void useNoDelay() {
        if (System.getProperty(NO_DELAY) == null) {
            System.setProperty(NO_DELAY, "true");
        }
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

    /**
     * Adds {@code perRequest} to every request from now on, as a network and a service that are farther
     * away than moto: half before the request is forwarded (or faulted), half before its answer is sent.
     * Concurrent requests wait concurrently. {@link Duration#ZERO} turns it off.
     */
    public FaultProxy latency(Duration perRequest) {
        Objects.requireNonNull(perRequest, "perRequest");
        if (perRequest.isNegative()) {
            throw new IllegalArgumentException("Latency cannot be negative; got " + perRequest);
        }
        this.latency = perRequest;
        return this;
    }

    /** The latency added to every request. */
    public Duration latency() {
        return latency;
    }

    /**
     * Restarts the random draws of the probabilistic rules from {@code seed}. A sequential run with the
     * same seed faults the same requests; with concurrent requests the share is the same but which
     * request draws which number depends on their arrival order.
     */
    public FaultProxy seed(long seed) {
        synchronized (randomLock) {
            random = new SplittableRandom(seed);
        }
        return this;
    }

    /** Applies {@code fault} to every request of {@code action}. */
    public Rule inject(String action, Fault fault) {
        return add(Rule.always(action, fault));
    }

    /** Applies {@code fault} to the next {@code times} requests of {@code action}; later ones pass. */
    public Rule inject(String action, Fault fault, int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1; got " + times);
        }
        return add(Rule.times(action, fault, times));
    }

    /**
     * Applies {@code fault} to a random share {@code probability} (0 to 1) of the requests of
     * {@code action}, e.g. {@code inject("*", Fault.throttling(), 0.10)} and
     * {@code inject("*", Fault.serverError(500), 0.02)}. One number is drawn per request that any
     * probabilistic rule matches, and the matching rules take consecutive slices of [0, 1) in the order
     * they were added, so the two rules above throttle 10% and fail 2% of all requests, never both at once.
     * Rules with a count ({@link #inject(String, Fault, int)}) and rules for every request are checked first.
     */
    public Rule inject(String action, Fault fault, double probability) {
        if (!(probability > 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability must be above 0 and at most 1; got " + probability);
        }
        return add(Rule.chance(action, fault, probability));
    }

    private Rule add(Rule rule) {
        rules.add(rule);
        return rule;
    }

    /** Removes every rule; requests pass untouched (but with the latency) from now on. Counts are kept. */
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
        return exchanges().stream().map(Exchange::action).toList();
    }

    /**
     * Every request so far in the order it arrived, with when it arrived and when its answer was sent
     * ({@link System#nanoTime()}), the status and the injected fault. A request still in progress, or one
     * dropped without an answer, has {@code answeredNanos} {@code -1} and status 0.
     */
    public List<Exchange> exchanges() {
        synchronized (log) {
            return log.stream().map(Entry::snapshot).toList();
        }
    }

    /** Client connections the proxy has accepted (distinct client addresses seen): how well the client pools. */
    public int clientConnections() {
        synchronized (log) {
            return (int) log.stream().map(entry -> entry.client).distinct().count();
        }
    }

    /** Forgets the counts and the log (rules, latency and the random sequence stay). */
    public void resetCounts() {
        counts.clear();
        synchronized (log) {
            log.clear();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Request request = Request.of(exchange, body);
            Entry entry = arrived(request.qualifiedAction(), String.valueOf(exchange.getRemoteAddress()));
            Duration wait = latency;
            long inbound = wait.toNanos() / 2;
            if (!sleep(inbound)) {
                return;
            }
            Fault fault = claimFault(request);
            entry.fault = fault;
            if (fault instanceof Fault.Delay delay) {
                if (!sleep(delay.delay().toNanos())) {
                    return;
                }
                if (!delay.forward()) {
                    return; // closing the exchange without an answer drops the connection
                }
                fault = null;
            }
            Response response = fault == null ? forward(request, exchange) : ErrorAnswer.of(fault, request);
            if (!sleep(wait.toNanos() - inbound)) {
                return;
            }
            // logged before the bytes go out, so a client that has its answer finds it in the log
            entry.answered(response.status());
            respond(exchange, response);
        } catch (IOException e) {
            // the client gave up (its timeout) or went away; nothing to answer
        }
    }

    private Entry arrived(String action, String client) {
        counts.computeIfAbsent(action, k -> new AtomicInteger()).incrementAndGet();
        synchronized (log) {
            Entry entry = new Entry(log.size(), action, System.nanoTime(), client);
            log.add(entry);
            return entry;
        }
    }

    private Fault claimFault(Request request) {
        List<Rule> chances = null;
        for (Rule rule : rules) {
            if (!rule.matches(request.qualifiedAction())) {
                continue;
            }
            if (rule.isChance()) {
                if (chances == null) {
                    chances = new ArrayList<>();
                }
                chances.add(rule);
            } else if (rule.claim()) {
                return rule.fault();
            }
        }
        if (chances == null) {
            return null;
        }
        double draw;
        synchronized (randomLock) {
            draw = random.nextDouble();
        }
        double edge = 0;
        for (Rule rule : chances) {
            edge += rule.probability();
            if (draw < edge) {
                rule.claim();
                return rule.fault();
            }
        }
        return null;
    }

    /** The injected latency or delay itself (the proxy's purpose); false when the proxy closed meanwhile. */
    private boolean sleep(long nanos) {
        if (nanos <= 0) {
            return !closed;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
            return !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Response forward(Request request, HttpExchange exchange) {
        try {
            return send(exchange, request);
        } catch (IOException e) {
            return new Response(502, Map.of("Content-Type", List.of("text/plain")),
                    ("FaultProxy could not reach " + upstream + ": " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * One upstream connection per request, closed after the answer. Kept-alive connections were tried:
     * servers that write an answer's head and body separately (moto, the JDK's) then wait for the
     * proxy's delayed ACK, about 40 ms per request, which would have been counted as AWS time. Closed
     * connections linger in TIME_WAIT, which Linux reuses on loopback.
     */
    private Response send(HttpExchange exchange, Request request) throws IOException {
        try (Socket socket = new Socket(upstream.getHost(), upstream.getPort())) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(120_000);
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
            byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] message = new byte[headBytes.length + request.body().length];
            System.arraycopy(headBytes, 0, message, 0, headBytes.length);
            System.arraycopy(request.body(), 0, message, headBytes.length, request.body().length);
            OutputStream out = socket.getOutputStream();
            out.write(message);
            out.flush();
            Response response = Response.read(socket.getInputStream(), exchange.getRequestMethod());
            if (response == null) {
                throw new IOException("the upstream closed the connection without answering");
            }
            return response;
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

    /**
     * One request as the proxy saw it.
     *
     * @param sequence      its place in arrival order, from 0
     * @param action        the qualified action, {@code iam:AttachUserPolicy}
     * @param arrivedNanos  when the proxy had read it ({@link System#nanoTime()})
     * @param answeredNanos when its answer was sent, or -1 (in progress, or dropped without an answer)
     * @param status        the HTTP status of the answer, or 0 when none was sent
     * @param fault         the injected fault, or null when it was forwarded untouched
     * @param client        the client's address and port: one value per client connection
     */
    public record Exchange(long sequence, String action, long arrivedNanos, long answeredNanos, int status,
            Fault fault, String client) {

        public boolean answered() {
            return answeredNanos >= 0;
        }

        /** True when this request's answer was sent before {@code other} arrived: {@code other} may have waited for it. */
        public boolean answeredBefore(Exchange other) {
            return answered() && answeredNanos <= other.arrivedNanos;
        }
    }

    /** The log's mutable record of one request. */
    private static final class Entry {
        final long sequence;
        final String action;
        final long arrivedNanos;
        final String client;
        volatile Fault fault;
        volatile long answeredNanos = -1;
        volatile int status;

        Entry(long sequence, String action, long arrivedNanos, String client) {
            this.sequence = sequence;
            this.action = action;
            this.arrivedNanos = arrivedNanos;
            this.client = client;
        }

        void answered(int answerStatus) {
            status = answerStatus;
            answeredNanos = System.nanoTime();
        }

        Exchange snapshot() {
            long answered = answeredNanos;
            return new Exchange(sequence, action, arrivedNanos, answered, answered < 0 ? 0 : status, fault, client);
        }
    }

    /** One injection: which action, what fault, and for how many requests or what share of them. */
    public static final class Rule {
        private final String action;
        private final Pattern pattern;
        private final Fault fault;
        private final AtomicInteger remaining;
        private final double probability;
        private final AtomicInteger applied = new AtomicInteger();

        private Rule(String action, Fault fault, int times, double probability) {
            if (action == null || action.isBlank()) {
                throw new IllegalArgumentException("A rule needs an action such as sts:AssumeRole or AssumeRole");
            }
            this.action = action.strip();
            this.pattern = compile(this.action);
            this.fault = Objects.requireNonNull(fault, "fault");
            this.remaining = new AtomicInteger(times);
            this.probability = probability;
        }

        static Rule always(String action, Fault fault) {
            return new Rule(action, fault, -1, 1.0);
        }

        static Rule times(String action, Fault fault, int times) {
            return new Rule(action, fault, times, 1.0);
        }

        static Rule chance(String action, Fault fault, double probability) {
            return new Rule(action, fault, -2, probability);
        }

        public String action() {
            return action;
        }

        public Fault fault() {
            return fault;
        }

        /** The share of matching requests this rule faults (1 for rules by count or for every request). */
        public double probability() {
            return probability;
        }

        /** How many requests this rule has answered so far. */
        public int applied() {
            return applied.get();
        }

        boolean isChance() {
            return remaining.get() == -2;
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
            int left = remaining.get();
            String scope = left == -2 ? " (" + probability * 100 + "% of requests)"
                    : left < 0 ? " (always)" : " (" + left + " left)";
            return action + " -> " + fault + scope;
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

        /** Reads an HTTP/1.1 response; null when the connection ended before a status line. */
        static Response read(InputStream in, String method) throws IOException {
            String statusLine = readLine(in);
            if (statusLine == null) {
                return null;
            }
            if (!statusLine.startsWith("HTTP/")) {
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
