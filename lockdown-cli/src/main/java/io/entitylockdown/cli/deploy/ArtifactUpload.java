package io.entitylockdown.cli.deploy;

import io.entitylockdown.core.report.AwsErrors;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Puts the function jar in the artefact bucket under a key named by its content digest, so the same
 * build is uploaded once and a new build always changes the function's code.
 */
public final class ArtifactUpload {
    private final S3Client s3;
    private final PrintWriter progress;

    public ArtifactUpload(S3Client s3, PrintWriter progress) {
        this.s3 = s3;
        this.progress = progress;
    }

    /**
     * Uploads unless already there; returns the key.
     *
     * @param owner the deploying account: the bucket must be its own (expected bucket owner on every request)
     */
    public String upload(Path jar, String bucket, String prefix, String sha256, String owner) {
        String key = prefix + "lockdown-lambda-" + sha256.substring(0, 16) + ".jar";
        try {
            s3.headObject(b -> b.bucket(bucket).key(key).expectedBucketOwner(owner));
            progress.println("Function jar already in s3://" + bucket + "/" + key);
            return key;
        } catch (NoSuchKeyException notThere) {
            // upload below
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw DeployException.failed("Cannot read s3://" + bucket + "/" + key + ": "
                        + AwsErrors.describe(e, "s3:GetObject") + ". Check that the bucket exists in this region and "
                        + "that you may read and write it", e);
            }
        }
        try {
            long size = Files.size(jar);
            progress.printf("Uploading %s (%.1f MB) to s3://%s/%s ...%n", jar.getFileName(), size / 1e6, bucket, key);
            progress.flush();
            s3.putObject(b -> b.bucket(bucket).key(key).expectedBucketOwner(owner).contentType("application/java-archive")
                    .metadata(java.util.Map.of("sha256", sha256)), RequestBody.fromFile(jar));
            return key;
        } catch (java.io.IOException e) {
            throw DeployException.badInput("Cannot read " + jar + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw DeployException.failed("Upload to s3://" + bucket + "/" + key + " failed: "
                    + AwsErrors.describe(e, "s3:PutObject"), e);
        }
    }
}
