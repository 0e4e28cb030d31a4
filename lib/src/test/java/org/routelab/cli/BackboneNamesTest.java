package org.routelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.routelab.experiment.BuiltinBackbone;

class BackboneNamesTest {
    /** The benchmarks and {@code params} name the built-in backbones' shapes without a folder. */
    @Test
    void builtinNamesReadTheBuiltinShapes() {
        var data = BuiltinBackbone.Recipe.DEFAULT.data();
        assertEquals(BuiltinBackbone.Architecture.T5.config(data).json(), ParamsCommand.readBackbone("builtin").json());
        assertEquals(BuiltinBackbone.Architecture.LLAMA.config(data).json(),
                ParamsCommand.readBackbone("builtin-llama").json());
        assertEquals(64, ParamsCommand.readBackbone("builtin").json().get("d_model").getAsInt());
    }
}
