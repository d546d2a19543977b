package io.chute.config;

import io.chute.config.ChuteConfig.Rule;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The {@link ConfigValidator} checks of the folders Chute reads and writes, compared by where they really are
 * ({@link RealPaths}: symbolic links resolved): no two rules watch the same or nested folders; the state dir and
 * every archive and quarantine folder stay out of every watched folder (and do not contain one), or Chute would
 * upload its own installation key and ledger, or quarantine its own quarantine files.
 */
final class FolderChecks {

    /** A watched folder as configured and as it really is. */
    private record Watched(int index, String name, Path configured, Path real, boolean recursive) {
    }

    private final BiConsumer<String, String> error;
    private final List<Watched> watched = new ArrayList<>();

    private FolderChecks(BiConsumer<String, String> error) {
        this.error = error;
    }

    static void check(ChuteConfig config, BiConsumer<String, String> error) {
        FolderChecks checks = new FolderChecks(error);
        for (int i = 0; i < config.rules().size(); i++) {
            checks.watchedFolder(i, config.rules().get(i));
        }
        checks.outside("chute.state-dir", config.stateDir(), false, "Chute's own files (installation key, ledger,"
                + " receipts, sidecars) would be uploaded or moved");
        for (int i = 0; i < config.rules().size(); i++) {
            Rule rule = config.rules().get(i);
            String at = "chute.rules[" + i + "]";
            rule.archiveDir().map(FolderChecks::beforePlaceholders).ifPresent(dir ->
                    checks.outside(at + ".archive-dir", dir, true, "archived files would be uploaded again"));
            rule.quarantineDir().ifPresent(dir ->
                    checks.outside(at + ".quarantine-dir", dir, true, "quarantined files would be uploaded again"
                            + " or quarantined once more"));
        }
    }

    private void watchedFolder(int i, Rule rule) {
        String at = "chute.rules[" + i + "].path";
        Path configured = rule.path().toAbsolutePath().normalize();
        if (!Files.isDirectory(configured)) {
            error.accept(at, "'" + configured + "' is not an existing directory");
        } else if (!Files.isReadable(configured)) {
            error.accept(at, "'" + configured + "' is not readable");
        }
        Path real = RealPaths.of(configured);
        for (Watched other : watched) {
            if (RealPaths.overlap(real, other.real())) {
                error.accept(at, "'" + configured + "'" + really(configured, real) + " is the same as or nested with"
                        + " the folder of rule '" + other.name() + "' (chute.rules[" + other.index() + "].path '"
                        + other.configured() + "'" + really(other.configured(), other.real()) + "); each file must"
                        + " belong to one rule");
            }
        }
        watched.add(new Watched(i, rule.name(), configured, real, rule.recursive()));
    }

    /**
     * Reports {@code dir} when it is a watched folder, contains one, or lies inside one; with
     * {@code insideUnwatchedOk}, a folder strictly inside a non-recursive watched folder is fine (nothing
     * there is watched).
     */
    private void outside(String at, Path dir, boolean insideUnwatchedOk, String consequence) {
        Path configured = dir.toAbsolutePath().normalize();
        Path real = RealPaths.of(configured);
        for (Watched w : watched) {
            String where;
            if (real.equals(w.real())) {
                where = "is";
            } else if (w.real().startsWith(real)) {
                where = "contains";
            } else if (real.startsWith(w.real()) && !(insideUnwatchedOk && !w.recursive())) {
                where = "lies inside";
            } else {
                continue;
            }
            error.accept(at, "'" + configured + "'" + really(configured, real) + " " + where + " the watched folder of"
                    + " rule '" + w.name() + "' ('" + w.configured() + "'" + really(w.configured(), w.real()) + "): "
                    + consequence + "; choose a folder outside every drop folder");
        }
    }

    /** The fixed part of an archive folder template: up to the first name with a {placeholder}. */
    private static Path beforePlaceholders(Path template) {
        Path abs = template.toAbsolutePath().normalize();
        Path fixed = abs.getRoot();
        for (Path name : abs) {
            if (name.toString().contains("{")) {
                break;
            }
            fixed = fixed == null ? name : fixed.resolve(name);
        }
        return Optional.ofNullable(fixed).orElse(abs);
    }

    private static String really(Path configured, Path real) {
        return configured.equals(real) ? "" : " (really '" + real + "')";
    }
}
