// Flat config: typescript-eslint's recommended rules over our sources, tests and benchmarks.
// Formatting is Prettier's job (npm run lint runs `prettier --check` first), so
// eslint-config-prettier switches off every stylistic rule that could disagree with it.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

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
  prettier,
);
