package io.entitylockdown.core;

/** The input is not the ARN of a supported entity. Raised before any AWS request is made. */
public final class InvalidArnException extends LockdownException {
    private static final long serialVersionUID = 1L;

    public static final String SUPPORTED =
            "Supported: arn:<partition>:iam::<account>:user/[path/]<name>, "
                    + "arn:<partition>:iam::<account>:role/[path/]<name>, "
                    + "arn:<partition>:lambda:<region>:<account>:function:<name>[:<version or alias>], "
                    + "arn:<partition>:ec2:<region>:<account>:instance/i-<id>, "
                    + "arn:<partition>:sts::<account>:assumed-role/<role>/<session> (that session only).";

    public InvalidArnException(String reason) {
        super(reason + ". " + SUPPORTED);
    }

    /** The reason alone, without the list of supported forms. */
    public String reason() {
        String message = getMessage();
        return message.substring(0, message.length() - SUPPORTED.length() - 2);
    }
}
