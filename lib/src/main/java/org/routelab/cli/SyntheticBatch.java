package org.routelab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.routelab.backbone.LanguageModel;
import picocli.CommandLine.Option;

/** The benchmarks' batch options and their random token sequences (picocli mixin). */
final class SyntheticBatch {
    @Option(names = "--batch", defaultValue = "8", description = "Examples per batch (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--source-length", defaultValue = "64", description = "Input tokens (default: ${DEFAULT-VALUE}).")
    int sourceLength;

    @Option(names = "--target-length", defaultValue = "16", description = "Target tokens (default: ${DEFAULT-VALUE}).")
    int targetLength;

    /** Returns random input sequences, each ending with the end-of-sequence token. */
    List<long[]> inputs(Random random, LanguageModel model) {
        return sequences(random, model, sourceLength);
    }

    /** Returns random target sequences, each ending with the end-of-sequence token. */
    List<long[]> targets(Random random, LanguageModel model) {
        return sequences(random, model, targetLength);
    }

    /** Returns the tokens of one batch, input and target together. */
    long tokens() {
        return (long) size * (sourceLength + targetLength);
    }

    private List<long[]> sequences(Random random, LanguageModel model, int length) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long[] seq = new long[length];
            // Ids below 3 are special in both families (T5: pad, eos, unk; Llama: unk, bos, eos).
            for (int j = 0; j < length - 1; j++) {
                seq[j] = 3 + random.nextInt(model.vocabSize() - 3);
            }
            seq[length - 1] = model.eosTokenId();
            out.add(seq);
        }
        return out;
    }
}
