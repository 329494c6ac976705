package io.entitylockdown.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The entities a command acts on: ARNs as arguments and/or a file, and how many to handle at once. */
public final class TargetOptions {
    static final int MAX_PARALLEL = 32;
    static final int DEFAULT_PER_ACCOUNT = 8;

    @Parameters(paramLabel = "ARN", arity = "0..*",
            description = "Entity ARNs: IAM user or role, Lambda function, EC2 instance, or one role session "
                    + "(arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: that session only, not the role).")
    List<String> arns = new ArrayList<>();

    @Option(names = "--file", paramLabel = "PATH",
            description = "Read more ARNs from PATH, one per line; blank lines and lines starting with # are ignored.")
    Path file;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
            description = "Handle up to N entities at once (1-" + MAX_PARALLEL + ", default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--per-account", paramLabel = "N", defaultValue = "" + DEFAULT_PER_ACCOUNT,
            description = "Handle at most N entities of one account at once (1-" + MAX_PARALLEL
                    + ", default ${DEFAULT-VALUE}). AWS limits IAM's request rate per account: more only adds "
                    + "throttling, while entities of other accounts fill the other --parallel slots.")
    int perAccount;

    /** One input line, with where it came from, so that a bad line can be pointed at. */
    public record Target(String text, String source) {
    }

    /**
     * Every target in input order, duplicates removed (handling one entity twice at once would race).
     *
     * @throws CliException when there is nothing to act on or the file cannot be read
     */
    public List<Target> targets() {
        if (parallel < 1 || parallel > MAX_PARALLEL) {
            throw CliException.badInput("--parallel must be between 1 and " + MAX_PARALLEL + "; got " + parallel);
        }
        if (perAccount < 1 || perAccount > MAX_PARALLEL) {
            throw CliException.badInput("--per-account must be between 1 and " + MAX_PARALLEL + "; got " + perAccount);
        }
        Map<String, Target> unique = new LinkedHashMap<>();
        int position = 0;
        for (String arn : arns) {
            position++;
            unique.putIfAbsent(arn.strip(), new Target(arn.strip(), "argument " + position));
        }
        if (file != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw CliException.badInput("Cannot read the ARN file " + file + " (" + e.getClass().getSimpleName()
                        + "); check the path and that it is readable UTF-8 text");
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                unique.putIfAbsent(line, new Target(line, file.getFileName() + " line " + (i + 1)));
            }
        }
        if (unique.isEmpty()) {
            throw CliException.badInput("No entity given: pass one or more ARNs, or --file PATH with one ARN per line");
        }
        return List.copyOf(unique.values());
    }

    public int parallel() {
        return parallel;
    }

    /** How many entities at once, in all and per account. */
    public EntityBatch.Limits limits() {
        return new EntityBatch.Limits(parallel, perAccount);
    }
}
