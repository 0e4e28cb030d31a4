package org.routelab.backbone;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} loaded through DJL's tokenizers binding, configured for
 * model inputs: special tokens added as the file's post-processor says (T5 appends {@code </s>}),
 * no padding and no truncation (batching pads, and silent truncation would corrupt targets).
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final Path file;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    /**
     * Loads a tokenizer file.
     *
     * @param file a {@code tokenizer.json}, or a model folder that contains one
     * @return the tokenizer; close it to free the native handle
     * @throws ModelConfigException if the file is missing or cannot be parsed, naming it
     */
    public static TextTokenizer load(Path file) {
        Path json = file.getFileName().toString().endsWith(".json") ? file : file.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            throw new ModelConfigException(json + ": tokenizer file not found");
        }
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(
                    json, Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false"));
            return new TextTokenizer(t, json);
        } catch (IOException | RuntimeException e) {
            throw new ModelConfigException(json + ": cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    /** Returns the file this tokenizer was loaded from. */
    public Path file() {
        return file;
    }

    /**
     * Tokenises a text, special tokens included.
     *
     * @param text the text
     * @return token ids
     */
    public long[] encode(String text) {
        return tokenizer.encode(text).getIds();
    }

    /**
     * Turns ids back into text, leaving out special tokens.
     *
     * @param ids token ids
     * @return the text
     */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
