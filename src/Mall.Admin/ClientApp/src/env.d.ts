/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
interface Window {
  /** Written into index.html by MapMallAdmin: where the console lives and the store's currency. */
  __MALL_ADMIN__?: { basePath: string; apiBase: string; currency: string }
}
