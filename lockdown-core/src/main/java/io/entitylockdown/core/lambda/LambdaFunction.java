package io.entitylockdown.core.lambda;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.record.TaggedEntity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;

/**
 * A Lambda function as containment sees it. Concurrency and tags belong to the function as a whole
 * (every version and alias), so they are read and written on the unqualified name and ARN; only the
 * configuration (which names the execution role) is read for the version or alias the ARN names.
 */
public final class LambdaFunction implements TaggedEntity {
    private final LambdaClient lambda;
    private final EntityArn arn;

    public LambdaFunction(LambdaClient lambda, EntityArn arn) {
        this.lambda = lambda;
        this.arn = arn;
    }

    public String name() {
        return arn.name();
    }

    public String unqualifiedArn() {
        return arn.unqualifiedArn();
    }

    /**
     * GetFunction: the configuration of the version or alias the ARN names (its execution role) and the
     * function's tags (returned only to callers allowed lambda:ListTags). Throws ResourceNotFoundException.
     */
    public GetFunctionResponse get() {
        return lambda.getFunction(b -> {
            b.functionName(arn.name());
            if (!arn.qualifier().isEmpty()) {
                b.qualifier(arn.qualifier());
            }
        });
    }

    /** The reserved concurrency, or null when the function has none (it uses the account's unreserved pool). */
    public Integer reservedConcurrency() {
        return lambda.getFunctionConcurrency(b -> b.functionName(arn.name())).reservedConcurrentExecutions();
    }

    public void reserveConcurrency(int value, Consumer<AwsRequestOverrideConfiguration.Builder> override) {
        lambda.putFunctionConcurrency(b -> b.functionName(arn.name()).reservedConcurrentExecutions(value)
                .overrideConfiguration(override));
    }

    public void removeReservedConcurrency() {
        lambda.deleteFunctionConcurrency(b -> b.functionName(arn.name()));
    }

    /** The other functions in this account and region whose execution role is {@code roleArn}. */
    public List<String> othersRunningAs(String roleArn) {
        List<String> others = new ArrayList<>();
        for (FunctionConfiguration function : lambda.listFunctionsPaginator(b -> { }).functions()) {
            if (roleArn.equals(function.role()) && !arn.name().equals(function.functionName())) {
                others.add(unqualified(function.functionArn()));
            }
        }
        return others;
    }

    @Override
    public Map<String, String> tags() {
        return lambda.listTags(b -> b.resource(arn.unqualifiedArn())).tags();
    }

    @Override
    public void tag(Map<String, String> tags) {
        lambda.tagResource(b -> b.resource(arn.unqualifiedArn()).tags(tags));
    }

    @Override
    public void untag(Collection<String> keys) {
        lambda.untagResource(b -> b.resource(arn.unqualifiedArn()).tagKeys(keys));
    }

    @Override
    public String tagCall() {
        return "lambda:TagResource";
    }

    @Override
    public String untagCall() {
        return "lambda:UntagResource";
    }

    /** arn:aws:lambda:r:a:function:name[:qualifier] without the qualifier. */
    static String unqualified(String functionArn) {
        String[] parts = functionArn.split(":");
        return parts.length > 7 ? String.join(":", Arrays.copyOf(parts, 7)) : functionArn;
    }
}
