package org.routelab.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StartupTest {

    @Test
    void importsEveryLibraryPackageAndLetsLibraryClassesWinOverJavaLang() {
        String imports = Startup.imports();
        assertTrue(imports.contains("import org.routelab.notebook.*;"), imports);
        assertTrue(imports.contains("import org.routelab.nn.*;"), imports);
        assertTrue(imports.contains("import org.routelab.nn.Module;"), imports);
        assertTrue(imports.contains("import static org.routelab.kernel.Notebook.*;"), imports);
        assertFalse(imports.contains("org.routelab.cli"), imports);
        assertFalse(imports.contains("$"), imports);
    }
}
