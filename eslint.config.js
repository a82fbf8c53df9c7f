// Flat config: typescript-eslint's recommended rules over our sources, tests and benchmarks.
// Formatting is Prettier's job (npm run lint runs `prettier --check` first), so
// eslint-config-prettier switches off every stylistic rule that could disagree with it.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

/**
 * The layer order of src/ (README, Development): a folder may import from its own layer
 * and from the layers below it, never from a layer above. The top-level files of src/
 * (paths.ts, errors.ts, index.ts) are placed by name below.
 */
const LAYERS = [
  ["cli", "index.ts"],
  ["supervisor", "console", "control"],
  ["kernel", "apps", "process"],
  ["log", "config", "runtime", "net"],
  ["expression"],
  ["shared", "paths.ts", "errors.ts"],
];

const srcPath = (entry) => `./src/${entry}`;
const layerZones = LAYERS.flatMap((layer, index) =>
  index === 0
    ? []
    : [
        {
          target: layer.map(srcPath),
          from: LAYERS.slice(0, index).flat().map(srcPath),
          message: "imports go down the layer order only (README, Development)",
        },
      ],
);

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "examples/**/node_modules/", "test/fixtures/", ".jaffle/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The executable script is plain JavaScript run by Node.
    files: ["bin/**/*.js"],
    languageOptions: { globals: { process: "readonly" } },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })],
    },
    rules: {
      // A dynamic import() back into a module that imports us is allowed: it is how an app's
      // light descriptor loads its heavy implementation on first use, and it runs after both
      // modules have been evaluated.
      "import-x/no-cycle": ["error", { ignoreExternal: true, allowUnsafeDynamicCyclicDependency: true }],
      "import-x/no-restricted-paths": ["error", { zones: layerZones }],
    },
  },
  prettier,
);
