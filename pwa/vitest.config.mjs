import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// JS unit tests live beside the Python ones in tests/js; packages resolve from pwa/node_modules.
const here = fileURLToPath(new URL(".", import.meta.url));
export default defineConfig({
  root: here,
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
  resolve: { modules: [fileURLToPath(new URL("node_modules", import.meta.url))] },
  test: {
    include: ["../tests/js/**/*.test.js"],
    environment: "node",
    testTimeout: 60000,
    setupFiles: ["fake-indexeddb/auto"],
  },
});
