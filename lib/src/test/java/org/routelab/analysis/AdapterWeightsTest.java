package org.routelab.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.backbone.checkpoint.SafetensorsWriter;

class AdapterWeightsTest {
    @TempDir
    Path dir;

    private static Map<String, NDArray> arrays(NDManager m) {
        Map<String, NDArray> a = new LinkedHashMap<>();
        a.put("enc.q.adapter.lora_a", m.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(1, 2, 3)));
        a.put("enc.q.adapter.router.module_logits", m.create(new float[] {0.5f, -0.5f}, new Shape(1, 2)));
        return a;
    }

    @Test
    void copiesArraysToTheHeapWithTheirShapesInOrder() {
        AdapterWeights w;
        try (NDManager m = NDManager.newBaseManager()) {
            w = AdapterWeights.copyOf(arrays(m), 7);
        }
        assertEquals(7, w.step());
        assertEquals(List.of("enc.q.adapter.lora_a", "enc.q.adapter.router.module_logits"), List.copyOf(w.names()));
        assertArrayEquals(new long[] {1, 2, 3}, w.shape("enc.q.adapter.lora_a"));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.values("enc.q.adapter.lora_a"));
        w.values("enc.q.adapter.lora_a")[0] = 99;
        w.endingWith(".lora_a").get("enc.q.adapter.lora_a")[0] = 99;
        assertEquals(1f, w.values("enc.q.adapter.lora_a")[0], "callers get copies");
        assertEquals(List.of("enc.q.adapter.router.module_logits"), List.copyOf(w.endingWith(".module_logits").keySet()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.values("nope"));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        assertTrue(AdapterWeights.EMPTY.isEmpty());
        assertTrue(w.toString().contains("2 parameters"), w.toString());
    }

    @Test
    void readsASafetensorsFile() {
        Path file = dir.resolve("adapters.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            SafetensorsWriter.write(file, arrays(m));
        }
        AdapterWeights w = AdapterWeights.read(file, 3);
        assertEquals(3, w.step());
        assertArrayEquals(new long[] {1, 2}, w.shape("enc.q.adapter.router.module_logits"));
        assertArrayEquals(new float[] {0.5f, -0.5f}, w.values("enc.q.adapter.router.module_logits"));
    }
}
