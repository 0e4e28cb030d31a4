package org.routelab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.routelab.backbone.t5.T5Config;
import picocli.CommandLine.Option;

/** The benchmarks' batch options and their random token sequences (picocli mixin). */
final class SyntheticBatch {
    @Option(names = "--batch", defaultValue = "8", description = "Examples per batch (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--source-length", defaultValue = "64", description = "Encoder tokens (default: ${DEFAULT-VALUE}).")
    int sourceLength;

    @Option(names = "--target-length", defaultValue = "16", description = "Decoder tokens (default: ${DEFAULT-VALUE}).")
    int targetLength;

    /** Returns random encoder sequences, each ending with the end-of-sequence token. */
    List<long[]> inputs(Random random, T5Config config) {
        return sequences(random, config, sourceLength);
    }

    /** Returns random target sequences, each ending with the end-of-sequence token. */
    List<long[]> targets(Random random, T5Config config) {
        return sequences(random, config, targetLength);
    }

    /** Returns the tokens of one batch, encoder and decoder together. */
    long tokens() {
        return (long) size * (sourceLength + targetLength);
    }

    private List<long[]> sequences(Random random, T5Config config, int length) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long[] seq = new long[length];
            for (int j = 0; j < length - 1; j++) {
                seq[j] = 2 + random.nextInt(config.vocabSize() - 2);
            }
            seq[length - 1] = config.eosTokenId();
            out.add(seq);
        }
        return out;
    }
}
