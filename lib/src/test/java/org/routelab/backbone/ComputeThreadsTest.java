package org.routelab.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class ComputeThreadsTest {
    @Test
    void smallMatricesRunOnOneThreadLargeOnesOnEveryCore() {
        assertEquals(1, ComputeThreads.choose(64 * 256, 2));
        assertEquals(1, ComputeThreads.choose(ComputeThreads.PARALLEL_FROM - 1, 16));
        assertEquals(16, ComputeThreads.choose(ComputeThreads.PARALLEL_FROM, 16));
        assertEquals(2, ComputeThreads.choose(512L * 32128, 2));
    }

    @Test
    void buildingAModelFitsTheEngineToItsSize() {
        // A thread count pinned for the test JVM (-Dtest.jvmArgs=...) is kept by design: nothing to check.
        assumeTrue(System.getProperty(ComputeThreads.PROPERTY) == null, "threads pinned for this JVM");
        int cores = Runtime.getRuntime().availableProcessors();
        try (NDManager m = NDManager.newBaseManager()) {
            // 512 x 1024 projections: at the threshold, every core.
            LanguageModel.create(t5(512, 1024), m, DataType.FLOAT32);
            assertEquals(cores, ComputeThreads.current());
            // The built-in backbone's size: one thread.
            LanguageModel.create(t5(64, 256), m, DataType.FLOAT32);
            assertEquals(1, ComputeThreads.current());
        }
    }

    private static ConfigJson t5(int dModel, int dFf) {
        JsonObject c = new JsonObject();
        c.addProperty("model_type", "t5");
        c.addProperty("vocab_size", 32);
        c.addProperty("d_model", dModel);
        c.addProperty("d_kv", dModel / 4);
        c.addProperty("d_ff", dFf);
        c.addProperty("num_layers", 1);
        c.addProperty("num_heads", 4);
        return new ConfigJson(c, "test config");
    }
}
