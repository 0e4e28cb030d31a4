/**
 * Task data: {@link org.routelab.data.Example}s grouped into {@link org.routelab.data.Task}s and a
 * {@link org.routelab.data.TaskSuite} of training tasks (with task ids) and held-out tasks; JSONL task
 * files and suite folders ({@link org.routelab.data.JsonlTasks}); k-shot sampling by seed
 * ({@link org.routelab.data.FewShotSampler}); tokenisation through the backbone's tokenizer
 * ({@link org.routelab.data.ExampleEncoder}); batching into padded batches with per-example task ids
 * ({@link org.routelab.data.Batches}, {@link org.routelab.data.TaskBatch}); and the expansion of answer
 * choices for rank classification ({@link org.routelab.data.ChoiceExpansion}).
 *
 * <p>The usual flow: read or generate a suite, encode its training tasks with
 * {@code ExampleEncoder.encodeTraining}, draw mixed-task batches each epoch with
 * {@code Batches.shuffled}, and turn each into a {@code TaskBatch} in a per-step manager. For a
 * held-out task, split it with {@code FewShotSampler.split}, train on the shots, and rank the answer
 * choices of the rest through {@code ChoiceExpansion}.
 */
package org.routelab.data;
