package io.entitylockdown.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A moto server (the AWS emulator) on a free loopback port, started as a child process and stopped
 * with everything it spawned. Used by the integration tests and by {@code lockdown demo}.
 *
 * <p>The interpreter is whatever {@code python3} comes first on PATH (moto is installed for it on
 * this project's machines), or {@code moto_server} when python3 cannot import moto. With python3,
 * moto runs through {@code moto_launcher.py}, which loads only the AWS managed policies named in
 * {@link #MANAGED_POLICIES} and skips moto's wasted re-initialisation on reset: together they made
 * resets and first calls in a new account several times faster, with the same answers.
 */
public final class MotoServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The AWS managed policies moto loads: those the engine, the tests and the demo use, and a few common ones. */
    public static final List<String> MANAGED_POLICIES = List.of("AWSDenyAll", "AdministratorAccess",
            "ReadOnlyAccess", "IAMReadOnlyAccess", "IAMFullAccess", "PowerUserAccess", "SecurityAudit",
            "ViewOnlyAccess", "AmazonS3ReadOnlyAccess", "AmazonEC2ReadOnlyAccess", "AmazonSSMManagedInstanceCore",
            "AWSLambdaBasicExecutionRole");
    private static Path launcherScript;
    private static MotoServer shared;

    private final Process process;
    private final int port;
    private final Path log;
    private final Options options;

    /**
     * How to start moto.
     *
     * @param loadManagedPolicies load AWS managed policies (AWSDenyAll ...) into IAM
     * @param initialNoAuthActionCount when not null, moto enforces IAM policies after this many requests
     * @param extraEnvironment more environment variables for the server
     */
    public record Options(boolean loadManagedPolicies, Integer initialNoAuthActionCount,
            Map<String, String> extraEnvironment) {
        public Options {
            extraEnvironment = Map.copyOf(extraEnvironment == null ? Map.of() : extraEnvironment);
        }

        public static Options standard() {
            return new Options(true, null, Map.of());
        }

        /** moto checks every request against IAM policies once {@code count} requests have been served. */
        public static Options iamEnforcedAfter(int count) {
            return new Options(true, count, Map.of());
        }
    }

    private MotoServer(Process process, int port, Path log, Options options) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.options = options;
    }

    /** One server for the whole JVM (tests share it and reset it between tests); stopped at JVM exit. */
    public static synchronized MotoServer shared() {
        if (shared == null || !shared.isAlive()) {
            shared = start(Options.standard());
            MotoServer server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "moto-stop"));
        }
        return shared;
    }

    /** Starts a server and waits until it answers. */
    public static MotoServer start(Options options) {
        List<String> command = launcher();
        int lastPort = -1;
        RuntimeException lastError = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            lastPort = port;
            Path log;
            try {
                log = Files.createTempFile("moto-" + port + "-", ".log");
            } catch (IOException e) {
                throw new MotoUnavailableException("Cannot create a log file for moto: " + e.getMessage(), e);
            }
            List<String> full = new ArrayList<>(command);
            full.addAll(List.of("-H", "127.0.0.1", "-p", Integer.toString(port)));
            ProcessBuilder builder = new ProcessBuilder(full)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.put("MOTO_IAM_LOAD_MANAGED_POLICIES", Boolean.toString(options.loadManagedPolicies()));
            env.putIfAbsent("LOCKDOWN_MOTO_MANAGED_POLICIES", String.join(",", MANAGED_POLICIES));
            if (options.initialNoAuthActionCount() != null) {
                env.put("INITIAL_NO_AUTH_ACTION_COUNT", options.initialNoAuthActionCount().toString());
            } else {
                env.remove("INITIAL_NO_AUTH_ACTION_COUNT");
            }
            env.putAll(options.extraEnvironment());
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new MotoUnavailableException("Could not run " + String.join(" ", command) + ": " + e.getMessage(), e);
            }
            MotoServer server = new MotoServer(process, port, log, options);
            try {
                server.awaitReady();
                return server;
            } catch (RuntimeException e) {
                server.close();
                lastError = e;
            }
        }
        throw new MotoUnavailableException("moto server did not start (last port " + lastPort + "): "
                + (lastError == null ? "" : lastError.getMessage()), lastError);
    }

    /**
     * The command that runs moto server, checked to import moto. Throws with the interpreter tried and
     * how to install moto when neither python3 nor moto_server can run it.
     */
    public static List<String> launcher() {
        Optional<Path> python = onPath("python3");
        String pythonProblem;
        if (python.isPresent()) {
            String check = run(List.of(python.get().toString(), "-c",
                    "import sys, moto, moto.server, flask; print(sys.version.split()[0], moto.__version__)"));
            if (check.startsWith("ok:")) {
                return List.of(python.get().toString(), launcherScript().toString());
            }
            pythonProblem = python.get() + " cannot import moto server (" + check.substring(check.indexOf(':') + 1).strip() + ")";
        } else {
            pythonProblem = "no python3 on PATH";
        }
        Optional<Path> motoServer = onPath("moto_server");
        if (motoServer.isPresent()) {
            return List.of(motoServer.get().toString());
        }
        throw new MotoUnavailableException("moto server is not available: " + pythonProblem
                + ", and no moto_server on PATH. Install it with: python3 -m pip install 'moto[server]==5.2.1'");
    }

    private static synchronized Path launcherScript() {
        if (launcherScript == null || !Files.exists(launcherScript)) {
            try (InputStream in = MotoServer.class.getResourceAsStream("moto_launcher.py")) {
                if (in == null) {
                    throw new MotoUnavailableException("moto_launcher.py is missing from the lockdown-moto jar");
                }
                Path script = Files.createTempFile("moto_launcher", ".py");
                Files.write(script, in.readAllBytes());
                script.toFile().deleteOnExit();
                launcherScript = script;
            } catch (IOException e) {
                throw new MotoUnavailableException("Cannot write the moto launcher: " + e.getMessage(), e);
            }
        }
        return launcherScript;
    }

    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "error: timed out";
            }
            String text = new String(out, StandardCharsets.UTF_8).strip();
            String lastLine = text.contains("\n") ? text.substring(text.lastIndexOf('\n') + 1) : text;
            return p.exitValue() == 0 ? "ok: " + lastLine : "error: " + lastLine;
        } catch (IOException e) {
            return "error: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error: interrupted";
        }
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new MotoUnavailableException("No free loopback port: " + e.getMessage(), e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new MotoUnavailableException("moto server exited with " + process.exitValue() + ": " + logTail());
            }
            try {
                if (request("GET", "/moto-api/data.json") == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MotoUnavailableException("interrupted while waiting for moto");
            }
        }
        throw new MotoUnavailableException("moto server did not answer within " + START_TIMEOUT.toSeconds() + " s: " + logTail());
    }

    private int request(String method, String path) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
        connection.setRequestMethod(method);
        connection.setConnectTimeout(1000);
        connection.setReadTimeout(30000);
        if ("POST".equals(method)) {
            connection.setDoOutput(true);
            connection.getOutputStream().close();
        }
        int code = connection.getResponseCode();
        try (InputStream in = code < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            if (in != null) {
                in.readAllBytes();
            }
        }
        connection.disconnect();
        return code;
    }

    /** Forgets every resource (and the IAM-enforcement request count) so the next test starts clean. */
    public void reset() {
        try {
            int code = request("POST", "/moto-api/reset");
            if (code != 200) {
                throw new IllegalStateException("moto reset answered HTTP " + code);
            }
        } catch (IOException e) {
            throw new IllegalStateException("moto reset failed: " + e.getMessage(), e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public Options options() {
        return options;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Environment variables that point the AWS SDK and CLI at this server. */
    public Map<String, String> awsEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_ENDPOINT_URL", endpoint().toString());
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        env.put("AWS_REGION", "us-east-1");
        return env;
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server and every process it started; waits until they are gone. */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a leftover temp file is harmless
        }
    }
}
