import { defineConfig, type Plugin } from 'vitest/config'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

// The build is a plain static site: index.html, hashed bundles under assets/ (imgmeta serve
// marks those immutable), no inline script (the server's CSP forbids it).

/** Writes NAME.gz and NAME.br beside every text file of the build, at the highest levels
 *  (done once per build, not per request): `imgmeta serve` sends the one the browser accepts. */
function precompress(): Plugin {
  return {
    name: 'imgmeta-precompress',
    apply: 'build',
    writeBundle(options) {
      const out = options.dir ?? 'dist'
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((n) => {
          const p = path.join(dir, n)
          return statSync(p).isDirectory() ? walk(p) : [p]
        })
      for (const file of walk(out)) {
        if (!/\.(js|mjs|css|html|svg|json|txt|map)$/.test(file)) continue
        const raw = readFileSync(file)
        if (raw.length < 512) continue
        const gz = gzipSync(raw, { level: 9 })
        const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
        if (gz.length < raw.length) writeFileSync(file + '.gz', gz)
        if (br.length < raw.length) writeFileSync(file + '.br', br)
      }
    },
  }
}

export default defineConfig({
  base: './',
  plugins: [precompress()],
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
    // Two pages: the app, and the page a share link opens (docs/shares.md).
    rollupOptions: { input: { index: fileURLToPath(new URL('./index.html', import.meta.url)), share: fileURLToPath(new URL('./share.html', import.meta.url)) } },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    testTimeout: 10_000,
  },
})
