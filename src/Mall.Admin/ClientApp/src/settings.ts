/** What the host told the console (index.html), with defaults for `vite dev`. */
export const settings = window.__MALL_ADMIN__ ?? { basePath: '/admin', apiBase: '', currency: 'CNY' }
