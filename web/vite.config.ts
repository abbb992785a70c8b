import { defineConfig } from 'vitest/config'

// The build is a plain static site: index.html, hashed bundles under assets/ (imgmeta serve
// marks those immutable), no inline script (the server's CSP forbids it).
export default defineConfig({
  base: './',
  // amazon-cognito-identity-js (Cognito mode) reads Node's `global`; without this the page
  // fails at sign-up with "global is not defined" (found by e2e/aws.mjs).
  define: { global: 'globalThis' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    testTimeout: 10_000,
  },
})
