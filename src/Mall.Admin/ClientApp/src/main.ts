import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import './styles.css'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { whenSignedOut } from './api'

const app = createApp(App)
app.use(createPinia()).use(i18n).use(router)
whenSignedOut(() => router.push({ name: 'login' }))
// The first screen is interactive once the router has resolved it and it is mounted (measured by the browser tests,
// docs/benchmarks.md): a performance mark anyone can read in the browser's tools.
router.isReady().catch(() => undefined).then(() => {
  app.mount('#app')
  performance.mark('mall-console-interactive')
})
