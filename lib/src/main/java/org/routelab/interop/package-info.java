/**
 * Adapters in and out of RouteLab in the layouts the ecosystem reads: PEFT's LoRA and POLY adapter
 * folders ({@link PeftExport}, {@link PeftAdapter}), full Hugging Face model folders with a LoRA
 * merged into the frozen weights ({@link MergedExport}), and RouteLab's own documented layout for
 * methods PEFT has no format for ({@link RouteLabExport}). Everything here works on a backbone with
 * injected adapters; {@link AdapterTensors} is the one place that reads and writes the adapters'
 * tensors, so a change to an adapter class touches one file.
 */
package org.routelab.interop;
