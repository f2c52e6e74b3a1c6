import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { settings } from './settings'
import { useSession } from './stores/session'

/** Each screen names the admin role it needs (`meta.role`); the API refuses the rest anyway. */
export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('./components/ConsoleShell.vue'),
    children: [
      { path: '', name: 'dashboard', component: () => import('./views/DashboardView.vue'), meta: { role: 'orders' } },
      { path: 'catalog/products', name: 'products', component: () => import('./views/ProductsView.vue'), meta: { role: 'catalog' } },
      { path: 'catalog/products/new', name: 'product-new', component: () => import('./views/ProductEditView.vue'), meta: { role: 'catalog' } },
      { path: 'catalog/products/:id', name: 'product-edit', component: () => import('./views/ProductEditView.vue'), meta: { role: 'catalog' } },
      { path: 'catalog/categories', name: 'categories', component: () => import('./views/CategoriesView.vue'), meta: { role: 'catalog' } },
      { path: 'catalog/brands', name: 'brands', component: () => import('./views/BrandsView.vue'), meta: { role: 'catalog' } },
      { path: 'catalog/bulk', name: 'bulk', component: () => import('./views/BulkEditView.vue'), meta: { role: 'catalog' } },
      { path: 'inventory', name: 'inventory', component: () => import('./views/InventoryView.vue'), meta: { role: 'catalog' } },
      { path: 'orders', name: 'orders', component: () => import('./views/OrdersView.vue'), meta: { role: 'orders' } },
      { path: 'orders/bulk-ship', name: 'bulk-ship', component: () => import('./views/BulkShipView.vue'), meta: { role: 'orders' } },
      { path: 'orders/:id', name: 'order', component: () => import('./views/OrderView.vue'), meta: { role: 'orders' } },
      { path: 'customers', name: 'customers', component: () => import('./views/CustomersView.vue'), meta: { role: 'customers' } },
      { path: 'marketing/promotions', name: 'promotions', component: () => import('./views/PromotionsView.vue'), meta: { role: 'catalog' } },
      { path: 'marketing/coupons', name: 'coupons', component: () => import('./views/CouponsView.vue'), meta: { role: 'catalog' } },
      { path: 'shipping', name: 'shipping', component: () => import('./views/ShippingView.vue'), meta: { role: 'catalog' } },
      { path: 'plugins', name: 'plugins', component: () => import('./views/PluginsView.vue'), meta: { role: 'owner' } },
      { path: 'themes', name: 'themes', component: () => import('./views/ThemesView.vue'), meta: { role: 'owner' } },
      { path: 'platform/api-keys', name: 'api-keys', component: () => import('./views/ApiKeysView.vue'), meta: { role: 'owner' } },
      { path: 'platform/webhooks', name: 'webhooks', component: () => import('./views/WebhooksView.vue'), meta: { role: 'owner' } },
      { path: 'platform/audit', name: 'audit', component: () => import('./views/AuditView.vue'), meta: { role: 'owner' } },
      { path: 'admins', name: 'admins', component: () => import('./views/AdminsView.vue'), meta: { role: 'owner' } },
      { path: 'x/:plugin/:screen', name: 'plugin-screen', component: () => import('./views/PluginScreenView.vue') },
      { path: 'not-allowed', name: 'not-allowed', component: () => import('./views/NotAllowedView.vue') },
      { path: ':rest(.*)*', redirect: '/' },
    ],
  },
]

export const router = createRouter({ history: createWebHistory(settings.basePath + '/'), routes })

router.beforeEach(async to => {
  const session = useSession()
  if (to.meta.public) return true
  if (!session.signedIn) return { name: 'login', query: { next: to.fullPath } }
  await session.load()
  // A deep link to a screen the role does not have shows "not allowed", naming the screen asked for (?from=).
  if (!session.can(to.meta.role as string | undefined)) return { name: 'not-allowed', query: { from: to.fullPath } }
  return true
})
