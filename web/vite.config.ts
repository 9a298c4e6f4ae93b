/**
 * The web view's build: web/ → dist/web/, relative paths (served from any host's root), no
 * source maps in the package, and the experiments browser (vega-embed) in its own chunk that
 * loads only when a results directory is opened.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
  },
});
