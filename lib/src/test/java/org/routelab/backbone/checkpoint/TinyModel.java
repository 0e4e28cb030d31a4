package org.routelab.backbone.checkpoint;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.routelab.nn.Embedding;
import org.routelab.nn.Linear;
import org.routelab.nn.Module;
import org.routelab.nn.Parameter;
import org.routelab.nn.RmsNorm;

/**
 * A small model for checkpoint tests: {@code shared.weight [5, 4]}, {@code encoder.proj.weight
 * [3, 4]} and {@code encoder.final_layer_norm.weight [4]}; when tied, {@code encoder.embed_tokens} is
 * the same embedding as {@code shared} (as in T5).
 */
final class TinyModel extends Module {
    /** The encoder: a projection and a norm, and the shared embedding when tied. */
    static final class Encoder extends Module {
        Encoder(NDManager manager, DataType type, Embedding tiedEmbedding) {
            if (tiedEmbedding != null) {
                addChild("embed_tokens", tiedEmbedding);
            }
            addChild("proj", new Linear(manager, 4, 3, type));
            addChild("final_layer_norm", new RmsNorm(manager, 4, 1e-6f, type));
        }
    }

    TinyModel(NDManager manager, DataType type, boolean tied) {
        Embedding shared = addChild("shared", new Embedding(manager, 5, 4, type));
        addChild("encoder", new Encoder(manager, type, tied ? shared : null));
    }

    TinyModel(NDManager manager) {
        this(manager, DataType.FLOAT32, false);
    }

    /** Fills every parameter with distinct values derived from {@code seed}. */
    TinyModel randomize(long seed) {
        NDManager manager = manager();
        manager.getEngine().setRandomSeed((int) seed);
        for (Parameter p : namedParameters().values()) {
            p.set(manager.randomNormal(0f, 1f, p.shape(), p.array().getDataType()));
        }
        return this;
    }

    /** Returns the raw bytes of a parameter, for bit-exact comparison. */
    byte[] bytes(String name) {
        return namedParameters().get(name).array().toByteArray();
    }
}
