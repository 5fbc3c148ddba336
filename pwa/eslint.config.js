// ESLint for the citizen app (flat config). The JSDoc types are checked by TypeScript over the
// same files (jsconfig.json, `npm run lint`); this catches what types do not: unused names,
// unreachable code, shadowed globals.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["dist/**", "node_modules/**"] },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.worker, ...globals.serviceworker },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      "no-alert": "error", // a native dialog only where a comment says why
    },
  },
  {
    files: ["build.mjs", "scripts/**", "vitest.config.mjs", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
];
