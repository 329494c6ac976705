package io.entitylockdown.core.record;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import java.util.Objects;

/**
 * The exact entity a record belongs to. It is inside the authenticated bytes, so a genuine record
 * copied onto another entity (another user, another account, the same name in another partition) is
 * recognised as not this entity's.
 *
 * @param partition aws, aws-cn ...
 * @param account   twelve digits
 * @param region    the entity's region; empty for IAM
 * @param type      the entity type
 * @param arn       the canonical ARN: IAM with its path, Lambda without version or alias
 */
public record RecordBinding(String partition, String account, String region, EntityType type, String arn) {
    public RecordBinding {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(arn, "arn");
    }

    public static RecordBinding of(EntityArn entity) {
        return new RecordBinding(entity.partition(), entity.accountId(), entity.region(), entity.type(),
                entity.unqualifiedArn());
    }
}
