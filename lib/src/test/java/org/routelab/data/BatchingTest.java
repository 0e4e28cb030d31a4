package org.routelab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.routelab.backbone.Seq2SeqBatch;
import org.routelab.backbone.TextTokenizer;
import org.routelab.backbone.WordLevelTokenizerFile;
import org.routelab.backbone.t5.TinyT5;

class BatchingTest {
    @TempDir
    Path dir;

    private TextTokenizer tokenizer() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        // ids: <pad>=0 </s>=1 <unk>=2 a=3 b=4 c=5 d=6 yes=7 no=8
        WordLevelTokenizerFile.write(file, List.of("a", "b", "c", "d", "yes", "no"));
        return TextTokenizer.load(file);
    }

    private static TaskSuite suite() {
        Task t0 = new Task("t0", List.of(
                Example.withChoices("t0", "a b c", List.of("yes", "no"), 1),
                Example.withChoices("t0", "d", List.of("yes", "no"), 0)));
        Task t1 = new Task("t1", List.of(
                Example.withChoices("t1", "c c", List.of("a b", "c", "d d d"), 2)));
        return new TaskSuite(List.of(t0, t1), List.of());
    }

    @Test
    void encodedExamplesBatchWithPaddingAndAlignedTaskIds() throws IOException {
        try (TextTokenizer tok = tokenizer(); NDManager m = NDManager.newBaseManager()) {
            List<EncodedExample> encoded = new ExampleEncoder(tok).encodeTraining(suite());
            assertEquals(3, encoded.size());
            EncodedExample first = encoded.get(0);
            assertArrayEquals(new long[] {3, 4, 5, 1}, first.inputIds());
            assertArrayEquals(new long[] {8, 1}, first.targetIds());
            assertArrayEquals(new long[] {7, 1}, first.choiceIds().get(0));
            assertEquals(1, first.label());

            // Mixed-task batch in a different order: task ids must follow their examples.
            List<EncodedExample> order = List.of(encoded.get(2), encoded.get(0), encoded.get(1));
            try (TaskBatch b = TaskBatch.of(m, order, TinyT5.model(m, true, 1))) {
                assertEquals(3, b.size());
                assertArrayEquals(new long[] {1, 0, 0}, b.taskIds().toLongArray());
                assertEquals(DataType.INT64, b.taskIds().getDataType());
                assertEquals(new Shape(3, 4), ((Seq2SeqBatch) b.inputs()).inputIds().getShape());
                assertArrayEquals(new long[] {5, 5, 1, 0, 3, 4, 5, 1, 6, 1, 0, 0},
                        ((Seq2SeqBatch) b.inputs()).inputIds().toLongArray());
                assertArrayEquals(new long[] {1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0},
                        ((Seq2SeqBatch) b.inputs()).attentionMask().toLongArray());
                // Targets "d d d" (first row of order is t1's example, label 2 => "d d d"), "no", "yes".
                assertArrayEquals(new long[] {6, 6, 6, 1, 8, 1, -100, -100, 7, 1, -100, -100},
                        ((Seq2SeqBatch) b.inputs()).labels().toLongArray());
                assertArrayEquals(new long[] {0, 6, 6, 6, 0, 8, 1, 0, 0, 7, 1, 0},
                        ((Seq2SeqBatch) b.inputs()).decoderInputIds().toLongArray());
            }
        }
    }

    @Test
    void batchesCoverEveryItemOnceAndShuffleBySeed() {
        List<Integer> items = IntStream.range(0, 50).boxed().toList();
        List<List<Integer>> ordered = Batches.inOrder(items, 16);
        assertEquals(List.of(16, 16, 16, 2), ordered.stream().map(List::size).toList());
        assertEquals(items, ordered.stream().flatMap(List::stream).toList());

        List<List<Integer>> a = Batches.shuffled(items, 16, 7L);
        assertEquals(a, Batches.shuffled(items, 16, 7L));
        assertNotEquals(a, Batches.shuffled(items, 16, 8L));
        assertNotEquals(items, a.stream().flatMap(List::stream).toList());
        Set<Integer> seen = new HashSet<>(a.stream().flatMap(List::stream).toList());
        assertEquals(50, seen.size());

        Random epochs = new Random(3);
        assertNotEquals(Batches.shuffled(items, 16, epochs), Batches.shuffled(items, 16, epochs),
                "successive epochs from one Random differ");
        assertThrows(IllegalArgumentException.class, () -> Batches.inOrder(items, 0));
    }

    @Test
    void choiceExpansionMapsRowsBackToExamplesAndChoices() throws IOException {
        try (TextTokenizer tok = tokenizer(); NDManager m = NDManager.newBaseManager()) {
            List<EncodedExample> encoded = new ExampleEncoder(tok).encodeTraining(suite());
            ChoiceExpansion x = ChoiceExpansion.of(encoded);
            assertEquals(3, x.numExamples());
            assertEquals(7, x.rows().size());
            int[] expectedExample = {0, 0, 1, 1, 2, 2, 2};
            int[] expectedChoice = {0, 1, 0, 1, 0, 1, 2};
            for (int r = 0; r < 7; r++) {
                assertEquals(expectedExample[r], x.example(r));
                assertEquals(expectedChoice[r], x.choice(r));
                EncodedExample row = x.rows().get(r);
                EncodedExample source = encoded.get(x.example(r));
                assertArrayEquals(source.inputIds(), row.inputIds());
                assertArrayEquals(source.choiceIds().get(x.choice(r)), row.targetIds());
                assertEquals(source.taskId(), row.taskId());
            }
            assertArrayEquals(new int[] {1, 0, 2}, x.labels());

            double[] scores = {2.0, 1.0, 0.5, 0.5, 3.0, 2.5, 0.1};
            assertArrayEquals(new double[] {3.0, 2.5, 0.1}, x.byExample(scores)[2]);
            assertArrayEquals(new int[] {1, 0, 2}, x.argmin(scores), "lowest score wins, ties to the first");
            assertThrows(IllegalArgumentException.class, () -> x.argmin(new double[6]));

            // The rows batch like any encoded examples; the repeated input lines up with each choice.
            List<List<EncodedExample>> batches = Batches.inOrder(x.rows(), 3);
            try (TaskBatch b = TaskBatch.of(m, batches.get(1), TinyT5.model(m, true, 1))) {
                // Rows 3-5: example 1 choice "no", example 2 choices "a b" and "c".
                assertArrayEquals(new long[] {0, 1, 1}, b.taskIds().toLongArray());
                assertArrayEquals(new long[] {6, 1, 0, 5, 5, 1, 5, 5, 1}, ((Seq2SeqBatch) b.inputs()).inputIds().toLongArray());
                assertArrayEquals(new long[] {8, 1, -100, 3, 4, 1, 5, 1, -100}, ((Seq2SeqBatch) b.inputs()).labels().toLongArray());
            }

            List<EncodedExample> noChoices = new ArrayList<>(new ExampleEncoder(tok).encode(
                    List.of(Example.of("t", "a", "b")), 0));
            var e = assertThrows(IllegalArgumentException.class, () -> ChoiceExpansion.of(noChoices));
            assertTrue(e.getMessage().contains("example 0"), e.getMessage());
        }
    }
}
