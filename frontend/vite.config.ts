import { defineConfig } from "vitest/config";

// Built once, served anywhere: assets are referenced from "/" (Django serves dist/ at the
// site root through WhiteNoise; CloudFront serves the same files from the S3 bucket).
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // Every asset is a hashed file (never inlined as a data: URL) so the CSP stays strict.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2020",
  },
  // `npx vite`: a hot-reloading dev server; /api goes to a running Django (make run).
  server: {
    proxy: { "/api": process.env.API_PROXY ?? "http://127.0.0.1:8000" },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
