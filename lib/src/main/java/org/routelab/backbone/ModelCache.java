package org.routelab.backbone;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import org.routelab.util.AtomicFiles;

/**
 * A disk cache of model folders made by the project (the built-in backbone), keyed by a digest of
 * everything that determines them. An entry is built into a temporary folder, its files' SHA-256
 * digests are recorded in {@code MANIFEST.json}, and the folder is renamed into place; a lookup checks
 * every digest, so a missing, partial or corrupt entry is rebuilt, never silently used.
 */
public final class ModelCache {
    private static final String MANIFEST = "MANIFEST.json";
    private static final Gson GSON = new Gson();

    private final Path root;

    /**
     * Opens a cache folder.
     *
     * @param root where entries are kept
     */
    public ModelCache(Path root) {
        this.root = root;
    }

    /**
     * Returns the default cache: {@code $ROUTELAB_CACHE}, or {@code ~/.cache/routelab}.
     *
     * @return the cache
     */
    public static ModelCache defaultCache() {
        String env = System.getenv("ROUTELAB_CACHE");
        Path root = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "routelab");
        return new ModelCache(root.resolve("models"));
    }

    /** Builds a model folder's files into an empty folder. */
    @FunctionalInterface
    public interface Builder {
        /**
         * Writes the entry.
         *
         * @param folder an empty folder to fill
         * @throws IOException if writing fails
         */
        void build(Path folder) throws IOException;
    }

    /**
     * Returns the folder of a valid entry, building it first when it is missing or does not verify.
     *
     * @param name a readable prefix of the entry's folder name
     * @param key everything that determines the entry (configuration, seeds, recipe version)
     * @param builder writes the entry
     * @return the entry's folder
     */
    public Path getOrBuild(String name, String key, Builder builder) {
        Path entry = root.resolve(name + "-" + digest(key.getBytes(StandardCharsets.UTF_8)).substring(0, 16));
        try {
            if (verifies(entry)) {
                return entry;
            }
            Files.createDirectories(root);
            Path tmp = Files.createTempDirectory(root, name + ".tmp");
            try {
                builder.build(tmp);
                Map<String, String> manifest = new TreeMap<>();
                for (Path f : files(tmp)) {
                    manifest.put(tmp.relativize(f).toString(), fileDigest(f));
                }
                AtomicFiles.writeString(tmp.resolve(MANIFEST), GSON.toJson(manifest));
                if (Files.exists(entry)) {
                    deleteTree(entry);
                }
                Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                if (Files.exists(tmp)) {
                    deleteTree(tmp);
                }
            }
            return entry;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build cache entry " + entry, e);
        }
    }

    /**
     * Returns whether an entry exists and every file matches its recorded digest.
     *
     * @param entry the entry folder
     * @return whether it can be used
     */
    public static boolean verifies(Path entry) {
        Path manifestFile = entry.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            return false;
        }
        try {
            Map<String, String> manifest = GSON.fromJson(Files.readString(manifestFile),
                    new TypeToken<Map<String, String>>() {}.getType());
            if (manifest == null || manifest.isEmpty()) {
                return false;
            }
            for (Map.Entry<String, String> e : manifest.entrySet()) {
                Path f = entry.resolve(e.getKey());
                if (!Files.isRegularFile(f) || !fileDigest(f).equals(e.getValue())) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    private static String fileDigest(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String digest(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
