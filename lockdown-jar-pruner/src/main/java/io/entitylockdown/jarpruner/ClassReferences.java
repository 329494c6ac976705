package io.entitylockdown.jarpruner;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AWS SDK service classes a class file names anywhere in its constant pool: class entries, field and
 * method descriptors, generic signatures, inner-class records and string constants. Reading every UTF-8
 * constant rather than only class entries errs on the side of keeping: a type that appears only in a
 * signature or by name in a string is kept too.
 */
final class ClassReferences {
    /** A class of an SDK service package, e.g. {@code software/amazon/awssdk/services/ec2/model/Filter$Builder}. */
    static final Pattern SERVICE_CLASS = Pattern.compile("software/amazon/awssdk/services/[a-z0-9]+/[\\w/$]+");
    private static final int MAGIC = 0xCAFEBABE;

    private ClassReferences() {
    }

    /** Internal names (slashes, {@code $} for nested classes) of the SDK service classes {@code classFile} refers to. */
    static Set<String> of(byte[] classFile) {
        Set<String> names = new LinkedHashSet<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            for (int index = 1; index < count; index++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> collect(in.readUTF(), names);
                    case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                    case 15 -> in.skipNBytes(3);
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                    case 5, 6 -> {
                        in.skipNBytes(8);
                        index++;
                    }
                    default -> throw new IllegalArgumentException("unknown constant pool tag " + tag + " at " + index);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("truncated class file", e);
        }
        return names;
    }

    private static void collect(String constant, Set<String> names) {
        Matcher matcher = SERVICE_CLASS.matcher(constant);
        while (matcher.find()) {
            names.add(matcher.group());
        }
    }
}
