package io.entitylockdown.core.lambda;

import io.entitylockdown.core.aws.AccountSessions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/** Set-up and read-back of Lambda functions in moto (created from a zip; never invoked). */
public final class LambdaFixtures {
    private LambdaFixtures() {
    }

    public static LambdaClient lambda(AccountSessions setup, String account, String region) {
        return setup.session("aws", account, region, "setup-" + account).lambda();
    }

    /** Creates a function running as the role, optionally with reserved concurrency; returns its ARN. */
    public static String createFunction(LambdaClient lambda, String name, String roleArn, Integer reserved) {
        String arn = lambda.createFunction(b -> b.functionName(name).runtime(Runtime.PYTHON3_12).role(roleArn)
                .handler("index.handler").code(c -> c.zipFile(SdkBytes.fromByteArray(zip())))
                .tags(Map.of("app", name))).functionArn();
        if (reserved != null) {
            lambda.putFunctionConcurrency(b -> b.functionName(name).reservedConcurrentExecutions(reserved));
        }
        return arn;
    }

    /**
     * What containment may touch on a function.
     *
     * @param reserved reserved concurrency, null when none
     * @param tags     every tag
     */
    record Snapshot(Integer reserved, TreeMap<String, String> tags) {
    }

    static Snapshot snapshot(LambdaClient lambda, String name) {
        String arn = lambda.getFunction(b -> b.functionName(name)).configuration().functionArn();
        Integer reserved = lambda.getFunctionConcurrency(b -> b.functionName(name)).reservedConcurrentExecutions();
        return new Snapshot(reserved, new TreeMap<>(lambda.listTags(b -> b.resource(LambdaFunction.unqualified(arn))).tags()));
    }

    private static byte[] zip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("index.py"));
            zip.write("def handler(event, context):\n    return 'ok'\n".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
