package org.routelab.backbone;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.routelab.util.AtomicFiles;

/**
 * Writes a Hugging Face {@code tokenizer.json} for a closed vocabulary of whitespace-separated
 * words, laid out like T5's: {@code <pad>} = 0, {@code </s>} = 1, {@code <unk>} = 2, and a
 * post-processor that appends {@code </s>}. Project-made benchmarks use it so that their text goes
 * through the same tokenizer path as real checkpoints.
 */
public final class WordLevelTokenizerFile {
    /** The special tokens, in id order. */
    public static final List<String> SPECIAL_TOKENS = List.of("<pad>", "</s>", "<unk>");

    private WordLevelTokenizerFile() {}

    /**
     * Writes the file atomically.
     *
     * @param file the target {@code tokenizer.json}
     * @param words the vocabulary after the special tokens; ids follow this order from 3
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if a word is empty, contains whitespace or repeats
     */
    public static void write(Path file, List<String> words) throws IOException {
        Set<String> vocab = new LinkedHashSet<>(SPECIAL_TOKENS);
        for (String w : words) {
            if (w.isEmpty() || w.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("vocabulary word '" + w + "' is empty or contains whitespace");
            }
            if (!vocab.add(w)) {
                throw new IllegalArgumentException("vocabulary word '" + w + "' appears twice");
            }
        }
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", null);
        root.add("padding", null);
        JsonArray added = new JsonArray();
        for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
            JsonObject t = new JsonObject();
            t.addProperty("id", i);
            t.addProperty("content", SPECIAL_TOKENS.get(i));
            t.addProperty("single_word", false);
            t.addProperty("lstrip", false);
            t.addProperty("rstrip", false);
            t.addProperty("normalized", false);
            t.addProperty("special", true);
            added.add(t);
        }
        root.add("added_tokens", added);
        root.add("normalizer", null);
        JsonObject pre = new JsonObject();
        pre.addProperty("type", "WhitespaceSplit");
        root.add("pre_tokenizer", pre);
        root.add("post_processor", appendEos());
        JsonObject decoder = new JsonObject();
        decoder.addProperty("type", "WordPiece");
        decoder.addProperty("prefix", "##");
        decoder.addProperty("cleanup", false);
        root.add("decoder", decoder);
        JsonObject model = new JsonObject();
        model.addProperty("type", "WordLevel");
        JsonObject ids = new JsonObject();
        int id = 0;
        for (String w : vocab) {
            ids.addProperty(w, id++);
        }
        model.add("vocab", ids);
        model.addProperty("unk_token", "<unk>");
        root.add("model", model);
        AtomicFiles.writeString(file, new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(root));
    }

    private static JsonObject appendEos() {
        JsonObject seqA = new JsonObject();
        JsonObject a = new JsonObject();
        a.addProperty("id", "A");
        a.addProperty("type_id", 0);
        seqA.add("Sequence", a);
        JsonObject seqB = new JsonObject();
        JsonObject b = new JsonObject();
        b.addProperty("id", "B");
        b.addProperty("type_id", 0);
        seqB.add("Sequence", b);
        JsonObject eos = new JsonObject();
        JsonObject e = new JsonObject();
        e.addProperty("id", "</s>");
        e.addProperty("type_id", 0);
        eos.add("SpecialToken", e);
        JsonArray single = new JsonArray();
        single.add(seqA);
        single.add(eos);
        JsonArray pair = new JsonArray();
        pair.add(seqA);
        pair.add(eos);
        pair.add(seqB);
        pair.add(eos);
        JsonObject special = new JsonObject();
        JsonObject eosEntry = new JsonObject();
        eosEntry.addProperty("id", "</s>");
        JsonArray eosIds = new JsonArray();
        eosIds.add(1);
        eosEntry.add("ids", eosIds);
        JsonArray eosTokens = new JsonArray();
        eosTokens.add("</s>");
        eosEntry.add("tokens", eosTokens);
        special.add("</s>", eosEntry);
        JsonObject post = new JsonObject();
        post.addProperty("type", "TemplateProcessing");
        post.add("single", single);
        post.add("pair", pair);
        post.add("special_tokens", special);
        return post;
    }
}
