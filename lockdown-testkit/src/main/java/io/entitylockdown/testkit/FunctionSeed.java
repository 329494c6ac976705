package io.entitylockdown.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionCode;
import software.amazon.awssdk.services.lambda.model.Runtime;

/** A Lambda function to create from a one-file Python zip (moto stores it; nothing invokes it), tagged {@code app=NAME}. */
public final class FunctionSeed {
    private final EstateAccount account;
    private final String name;
    private String region = MotoEstate.HOME_REGION;
    private String roleArn;
    private Integer reserved;

    FunctionSeed(EstateAccount account, String name) {
        this.account = account;
        this.name = name;
    }

    public FunctionSeed region(String value) {
        this.region = value;
        return this;
    }

    /** The execution role (required). */
    public FunctionSeed role(String arn) {
        this.roleArn = arn;
        return this;
    }

    public FunctionSeed reservedConcurrency(Integer value) {
        this.reserved = value;
        return this;
    }

    /** Creates the function (and its reserved concurrency); returns its ARN. */
    public String create() {
        if (roleArn == null) {
            throw new IllegalStateException("function " + name + " needs an execution role: call role(arn) first");
        }
        LambdaClient lambda = account.lambda(region);
        String arn = lambda.createFunction(b -> b.functionName(name).runtime(Runtime.PYTHON3_12).role(roleArn)
                .handler("index.handler").code(FunctionCode.builder().zipFile(SdkBytes.fromByteArray(zip())).build())
                .tags(Map.of("app", name))).functionArn();
        if (reserved != null) {
            lambda.putFunctionConcurrency(b -> b.functionName(name).reservedConcurrentExecutions(reserved));
        }
        return arn;
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
