import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// Built into dist/ and embedded in Mall.Admin.dll. Asset URLs are relative: the host serves the console under any
// path (MapMallAdmin("/admin")) and sets <base href> in index.html.
export default defineConfig({
  base: './',
  plugins: [
    vue(),
    // Element Plus components are imported where they are used (tree-shaken, per screen), not as one 1 MB bundle.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
      // The NSwag-generated client of Mall's API, written by the Mall.Client build.
      '@mall/client': fileURLToPath(new URL('../../Mall.Client/typescript/src/mall-client.ts', import.meta.url)),
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 700, sourcemap: false },
})
