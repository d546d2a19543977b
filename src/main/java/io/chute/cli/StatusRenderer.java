package io.chute.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Renders the daemon's status document ({@code GET /q/status}) as text for {@code chute status}. Lenient:
 * a missing or null field shows as {@code ?} or is left out, unknown fields are ignored, so the command
 * keeps working against daemons a version apart. Times are shown as ages relative to the document's
 * {@code now}, which keeps the output independent of the clock of the machine running the command.
 */
public final class StatusRenderer {

    private StatusRenderer() {
    }

    public static String render(JsonNode status) {
        StringBuilder out = new StringBuilder();
        Instant now = instant(status.path("now"));
        out.append("Chute daemon, started ").append(text(status.path("startedAt")))
                .append(ago(now, status.path("startedAt"))).append('\n');
        rules(out, status.path("rules"));
        inFlight(out, status.path("inFlight"));
        waiting(out, status.path("waiting"), status.path("waitingCounts"), now);
        recent(out, status.path("recent"), now);
        return out.toString();
    }

    private static void rules(StringBuilder out, JsonNode rules) {
        header(out, "Rules", rules);
        for (JsonNode r : rules) {
            boolean ready = r.path("ready").asBoolean(false);
            out.append(String.format(Locale.ROOT, "  %-16s %-7s %s -> s3://%s/%s%n", text(r.path("name")),
                    ready ? "ready" : "PAUSED", text(r.path("folder")), text(r.path("bucket")),
                    r.path("prefix").asText("")));
            if (!ready && hasText(r.path("pausedReason"))) {
                out.append("                   paused: ").append(r.path("pausedReason").asText()).append('\n');
            }
            for (JsonNode fallback : r.path("fallbacks")) {
                out.append("                   fallback: ").append(fallback.asText()).append('\n');
            }
            if (r.path("backlogOnDisk").asBoolean(false)) {
                out.append("                   more files wait on disk (rescanned when there is room)\n");
            }
            out.append(String.format(Locale.ROOT, "                   %d uploaded (%s), %d failed, %d quarantined%n",
                    r.path("uploaded").asLong(0), Units.bytes(r.path("bytesUploaded").asLong(0)),
                    r.path("failed").asLong(0), r.path("quarantined").asLong(0)));
        }
    }

    private static void inFlight(StringBuilder out, JsonNode uploads) {
        header(out, "Uploading", uploads);
        for (JsonNode u : uploads) {
            long done = u.path("bytesDone").asLong(0);
            long total = u.path("bytesTotal").asLong(0);
            out.append(String.format(Locale.ROOT, "  %-16s %s -> s3://%s/%s%n", text(u.path("rule")),
                    text(u.path("path")), text(u.path("bucket")), text(u.path("key"))));
            boolean sized = total > 0;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "                   %4s %s / %s",
                    sized ? Units.percent(done, total) + "%" : "?%", Units.bytes(done),
                    sized ? Units.bytes(total) : "?"));
            if (u.hasNonNull("partsTotal")) {
                line.append(", part ").append(u.path("partsDone").asInt(0)).append(" of ")
                        .append(u.path("partsTotal").asInt());
            }
            if (u.hasNonNull("bytesPerSecond")) {
                line.append(", ").append(Units.rate(u.path("bytesPerSecond").asDouble()));
            }
            line.append(", ETA ").append(u.hasNonNull("etaSeconds")
                    ? Units.duration(u.path("etaSeconds").asLong()) : "?");
            out.append(line).append('\n');
        }
    }

    private static void waiting(StringBuilder out, JsonNode files, JsonNode counts, Instant now) {
        long total = 0;
        for (JsonNode n : counts) {
            total += n.asLong(0);
        }
        if (total > files.size()) {
            out.append('\n').append("Waiting (").append(total).append(", ").append(files.size()).append(" shown:");
            counts.fields().forEachRemaining(e -> out.append(' ').append(e.getValue().asLong()).append(' ')
                    .append(e.getKey()));
            out.append(")\n");
        } else {
            header(out, "Waiting", files);
        }
        for (JsonNode w : files) {
            out.append(String.format(Locale.ROOT, "  %-16s %-11s %s%s%n", text(w.path("rule")),
                    text(w.path("state")), text(w.path("path")), ago(now, w.path("since"))));
            if (hasText(w.path("detail"))) {
                out.append("                   ").append(w.path("detail").asText()).append('\n');
            }
        }
    }

    private static void recent(StringBuilder out, JsonNode done, Instant now) {
        header(out, "Recent", done);
        for (JsonNode d : done) {
            out.append(String.format(Locale.ROOT, "  %-16s %-11s %s -> s3://%s/%s, %s%s%s%n", text(d.path("rule")),
                    text(d.path("outcome")), text(d.path("path")), text(d.path("bucket")), text(d.path("key")),
                    Units.bytes(d.path("bytes").asLong(0)), hasText(d.path("verifiedBy"))
                            ? ", verified by " + d.path("verifiedBy").asText() : "", ago(now, d.path("finishedAt"))));
        }
    }

    private static void header(StringBuilder out, String title, JsonNode list) {
        out.append('\n').append(title).append(" (").append(list.isArray() ? list.size() : 0).append(")");
        out.append(list.isArray() && list.size() > 0 ? "\n" : ": none\n");
    }

    /** {@code " (12s ago)"} when both times are known, else nothing. */
    private static String ago(Instant now, JsonNode time) {
        Instant then = instant(time);
        if (now == null || then == null) {
            return "";
        }
        long seconds = Math.max(0, Duration.between(then, now).toSeconds());
        return " (" + Units.duration(seconds) + " ago)";
    }

    private static Instant instant(JsonNode node) {
        if (!hasText(node)) {
            return null;
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static boolean hasText(JsonNode node) {
        return node != null && !node.isMissingNode() && !node.isNull() && !node.asText().isEmpty();
    }

    private static String text(JsonNode node) {
        return hasText(node) ? node.asText() : "?";
    }
}
