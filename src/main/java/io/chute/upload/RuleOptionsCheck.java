package io.chute.upload;

import io.chute.multipart.ObjectOptions;
import io.chute.multipart.StoredOptions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * What the start probe of one rule found: whether the store keeps the rule's object options, not just accepts
 * them, on a PutObject and on a multipart upload, and what follows from it.
 *
 * @param notReady    why the rule must not upload: the store refused a write with the rule's options, or did not
 *                    keep its SSE (objects would be stored unencrypted while their uploads succeed)
 * @param fallbacks   safe fallbacks Chute uses because of what the probe saw (tags dropped on multipart: set with
 *                    PutObjectTagging after Complete and read back)
 * @param limitations options the store accepted but did not keep (storage class, metadata, a group-visible ACL,
 *                    tags of single-part objects); uploads go on without them
 * @param notChecked  reads the store refused or a probe that did not complete: what they would show is unknown,
 *                    never a failure
 */
public record RuleOptionsCheck(Optional<String> notReady, List<String> fallbacks, List<String> limitations,
                               List<String> notChecked) {

    /** A rule without storage class, SSE, ACL, tags or metadata: nothing to probe. */
    public static final RuleOptionsCheck NOT_PROBED = new RuleOptionsCheck(Optional.empty(), List.of(), List.of(),
            List.of());

    static final String TAGS_FALLBACK = "tags of multipart objects set with PutObjectTagging after Complete and read"
            + " back, since the store drops those given on CreateMultipartUpload";

    public RuleOptionsCheck {
        fallbacks = List.copyOf(fallbacks);
        limitations = List.copyOf(limitations);
        notChecked = List.copyOf(notChecked);
    }

    static RuleOptionsCheck refused(String reason) {
        return new RuleOptionsCheck(Optional.of(reason), List.of(), List.of(), List.of());
    }

    static RuleOptionsCheck notChecked(String why) {
        return new RuleOptionsCheck(Optional.empty(), List.of(), List.of(), List.of(why));
    }

    /** The two ways a probe object was written. */
    private enum Write {
        SINGLE_PART("single-part"), MULTIPART("multipart");

        final String text;

        Write(String text) {
            this.text = text;
        }
    }

    /** Compares what was {@code sent} with what each write kept. */
    static RuleOptionsCheck compare(ObjectOptions sent, StoredOptions singlePart, StoredOptions multipart) {
        Map<Write, StoredOptions> stored = new LinkedHashMap<>();
        stored.put(Write.SINGLE_PART, singlePart);
        stored.put(Write.MULTIPART, multipart);
        NotKept sse = new NotKept((writes, how) -> "SSE " + sseText(sent) + " requested but the store stored "
                + writes + " probe objects " + how);
        NotKept storageClass = NotKept.option("storage class " + sent.storageClass());
        NotKept metadata = NotKept.option("metadata");
        NotKept acl = NotKept.option("ACL " + sent.acl());
        NotKept tags = NotKept.option("tags");
        boolean multipartTagsDropped = false;
        List<String> notChecked = new ArrayList<>();
        for (Map.Entry<Write, StoredOptions> e : stored.entrySet()) {
            Write write = e.getKey();
            StoredOptions kept = e.getValue();
            kept.unread().forEach(u -> notChecked.add(u + " (" + write.text + " probe object)"));
            if (kept.head().isPresent()) {
                StoredOptions.Head head = kept.head().get();
                sseNotKept(sent, head).ifPresent(how -> sse.on(write, how));
                if (sent.storageClass() != null && !sent.storageClass().equals(head.storageClass())) {
                    storageClass.on(write, "stored as " + head.storageClass());
                }
                Set<String> lost = metadataLost(sent.metadata(), head.metadata());
                if (!lost.isEmpty()) {
                    metadata.on(write, "lost: " + String.join(", ", lost));
                }
            }
            if (kept.groupGrants().isPresent()) {
                Set<String> missing = new TreeSet<>(StoredOptions.groupGrantsOf(sent.acl()));
                missing.removeAll(kept.groupGrants().get());
                if (!missing.isEmpty()) {
                    acl.on(write, "no " + String.join(", ", missing) + " grant");
                }
            }
            if (kept.tags().isPresent() && !kept.tags().get().equals(sent.tags())) {
                if (write == Write.MULTIPART) {
                    multipartTagsDropped = true;
                } else {
                    tags.on(write, "stored: " + (kept.tags().get().isEmpty() ? "none" : kept.tags().get()));
                }
            }
        }
        List<String> limitations = new ArrayList<>();
        for (NotKept n : List.of(storageClass, metadata, acl, tags)) {
            limitations.addAll(n.lines());
        }
        List<String> sseLines = sse.lines();
        return new RuleOptionsCheck(sseLines.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", sseLines)),
                multipartTagsDropped ? List.of(TAGS_FALLBACK) : List.of(), limitations, notChecked);
    }

    private static String sseText(ObjectOptions sent) {
        return sent.serverSideEncryption() + (sent.kmsKeyId() == null ? "" : " with key " + sent.kmsKeyId());
    }

    /** How the object was stored instead of with the SSE sent, or empty when it was (or none was sent). */
    private static Optional<String> sseNotKept(ObjectOptions sent, StoredOptions.Head head) {
        if (sent.serverSideEncryption() == null) {
            return Optional.empty();
        }
        if (head.sse() == null) {
            return Optional.of("without it");
        }
        if (!head.sse().equals(sent.serverSideEncryption())) {
            return Optional.of("with " + head.sse());
        }
        if (sent.kmsKeyId() != null && !namesKey(sent.kmsKeyId(), head.kmsKeyId())) {
            return Optional.of(head.kmsKeyId() == null ? "without naming its KMS key" : "with key " + head.kmsKeyId());
        }
        return Optional.empty();
    }

    /**
     * Whether the key id a store reports is the configured key: the same id or ARN, or the key's ARN for a bare key
     * id. An alias only KMS can resolve, so for an alias any reported key counts.
     */
    static boolean namesKey(String configured, String reported) {
        if (reported == null) {
            return false;
        }
        if (configured.startsWith("alias/") || configured.contains(":alias/")) {
            return true;
        }
        return reported.equals(configured) || reported.endsWith("/" + configured);
    }

    /** The names of sent metadata that are missing or read back with another value (names compared in lower case). */
    private static Set<String> metadataLost(Map<String, String> sent, Map<String, String> stored) {
        Set<String> lost = new TreeSet<>();
        sent.forEach((name, value) -> {
            String kept = stored.get(name.toLowerCase(Locale.ROOT));
            if (kept == null || !kept.strip().equals(value.strip())) {
                lost.add(name);
            }
        });
        return lost;
    }

    /** One option's "not kept" findings per write, rendered as one line where both writes show the same. */
    private static final class NotKept {
        /** (the writes, e.g. "single-part and multipart"; what was observed) → the line. */
        private final BiFunction<String, String, String> line;
        private final Map<String, List<Write>> byObservation = new LinkedHashMap<>();

        NotKept(BiFunction<String, String, String> line) {
            this.line = line;
        }

        /** "storage class STANDARD_IA not kept on multipart objects (stored as STANDARD)" */
        static NotKept option(String option) {
            return new NotKept((writes, observed) -> option + " not kept on " + writes + " objects (" + observed + ")");
        }

        void on(Write write, String observed) {
            byObservation.computeIfAbsent(observed, o -> new ArrayList<>()).add(write);
        }

        List<String> lines() {
            List<String> lines = new ArrayList<>();
            byObservation.forEach((observed, writes) -> lines.add(line.apply(
                    String.join(" and ", writes.stream().map(w -> w.text).toList()), observed)));
            return lines;
        }
    }
}
