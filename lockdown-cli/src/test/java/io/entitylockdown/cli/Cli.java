package io.entitylockdown.cli;

import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/** Runs the command line in-process with captured output, as the shell would, minus System.exit. */
final class Cli {
    /** What a run printed and returned. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final CliEnvironment environment;

    Cli(CliEnvironment environment) {
        this.environment = environment;
    }

    /** Pointed at moto with fixed test credentials and quick timeouts; {@code extra} adds variables. */
    static Cli against(MotoServer moto, Map<String, String> extra) {
        return against(moto, extra, null);
    }

    /** As above, with {@code recorder} seeing every AWS call the command makes. */
    static Cli against(MotoServer moto, Map<String, String> extra, ExecutionInterceptor recorder) {
        Map<String, String> env = new HashMap<>(moto.awsEnvironment());
        env.putAll(extra);
        return new Cli(new CliEnvironment(env, settings -> settings
                .withCredentials(MotoEstate.testingCredentials())
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), 2)
                .withInterceptors(recorder == null ? List.of() : List.of(recorder))));
    }

    static Cli against(MotoServer moto) {
        return against(moto, Map.of());
    }

    /** Pointed at the estate's moto server; see {@link #against(MotoServer, Map, ExecutionInterceptor)}. */
    static Cli against(MotoEstate estate, Map<String, String> extra, ExecutionInterceptor recorder) {
        return against(estate.moto(), extra, recorder);
    }

    static Cli against(MotoEstate estate, Map<String, String> extra) {
        return against(estate.moto(), extra, null);
    }

    static Cli against(MotoEstate estate) {
        return against(estate.moto(), Map.of());
    }

    /** No AWS at all: for input that must be rejected before any call. */
    static Cli offline() {
        return new Cli(new CliEnvironment(Map.of("AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:9"), null));
    }

    CliEnvironment environment() {
        return environment;
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = LockdownCommand.commandLine(environment);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
