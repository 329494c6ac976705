package io.entitylockdown.cli.deploy;

import io.entitylockdown.core.report.AwsErrors;
import java.io.PrintWriter;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLocationConstraint;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Creates the artefact bucket for {@code lockdown deploy --create-bucket}: private, in the stack's region. */
public final class ArtifactBucket {
    private final S3Client s3;
    private final PrintWriter progress;

    public ArtifactBucket(S3Client s3, PrintWriter progress) {
        this.s3 = s3;
        this.progress = progress;
    }

    /**
     * Creates the bucket unless it is already there and ours; blocks every form of public access on it.
     *
     * @param owner the account deploying: a bucket of that name owned by anyone else is refused (S3 answers
     *              403 to a request whose expected owner is not the bucket's), never used
     */
    public void ensure(String bucket, Region region, String owner) {
        try {
            s3.headBucket(b -> b.bucket(bucket).expectedBucketOwner(owner));
            progress.println("Bucket s3://" + bucket + " exists.");
            progress.flush();
            return;
        } catch (S3Exception e) {
            if (e.statusCode() == 403) {
                throw DeployException.failed("The bucket " + bucket + " exists but is not this account's (" + owner
                        + ") or you may not use it (HTTP 403); bucket names are global, so choose another", e);
            }
            if (e.statusCode() != 404) {
                throw DeployException.failed("Cannot check the bucket " + bucket + ": " + AwsErrors.describe(e, "s3:ListBucket"), e);
            }
        }
        try {
            progress.println("Creating bucket s3://" + bucket + " in " + region.id() + " (all public access blocked) ...");
            progress.flush();
            s3.createBucket(b -> {
                b.bucket(bucket);
                if (!region.equals(Region.US_EAST_1)) {
                    b.createBucketConfiguration(c -> c.locationConstraint(BucketLocationConstraint.fromValue(region.id())));
                }
            });
            s3.putPublicAccessBlock(b -> b.bucket(bucket).expectedBucketOwner(owner).publicAccessBlockConfiguration(c -> c.blockPublicAcls(true)
                    .ignorePublicAcls(true).blockPublicPolicy(true).restrictPublicBuckets(true)));
        } catch (RuntimeException e) {
            throw DeployException.failed("Could not create the bucket " + bucket + ": "
                    + AwsErrors.describe(e, "s3:CreateBucket") + ". Create it yourself (aws s3 mb s3://" + bucket
                    + ") or choose another name", e);
        }
    }
}
