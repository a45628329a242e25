import { defineConfig } from 'vite';

// Relative asset paths: the same files are served at /console/ locally and at / on CloudFront.
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The strict CSP allows no inline script or style: every asset is a file.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
