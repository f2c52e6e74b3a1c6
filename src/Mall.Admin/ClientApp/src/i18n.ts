import { createI18n } from 'vue-i18n'

// Every text the console shows, in both languages. Keys group by screen.
const en = {
  app: { title: 'Mall console', signOut: 'Sign out', language: 'Language', notAllowed: 'Not allowed', notAllowedText: 'Your role does not give you this screen. Ask the owner for access.', back: 'Back to the dashboard', saved: 'Saved', cancel: 'Cancel', save: 'Save', create: 'Create', edit: 'Edit', delete: 'Delete', actions: 'Actions', search: 'Search', refresh: 'Refresh', confirm: 'Are you sure?', yes: 'Yes', no: 'No', loading: 'Loading…', none: 'Nothing yet', page: 'Page', id: 'ID', name: 'Name', status: 'Status', createdAt: 'Created', reason: 'Reason', total: 'Total', preview: 'Preview', apply: 'Apply', upload: 'Upload', enabled: 'Enabled', menu: 'Menu' },
  login: { title: 'Sign in to the merchant console', user: 'User name', password: 'Password', submit: 'Sign in', failed: 'Sign-in failed' },
  menu: { dashboard: 'Dashboard', catalog: 'Catalog', products: 'Products', categories: 'Categories', brands: 'Brands', bulk: 'Bulk edit', inventory: 'Inventory', orders: 'Orders', orderList: 'All orders', bulkShip: 'Bulk ship', customers: 'Customers', marketing: 'Marketing', promotions: 'Promotions', coupons: 'Coupons', shipping: 'Freight templates', plugins: 'Plugins', themes: 'Themes', platform: 'Open platform', apiKeys: 'API keys', webhooks: 'Webhooks', audit: 'Audit log', admins: 'Admins', extensions: 'Plugin screens' },
  dashboard: { today: 'Today', last30: 'Last 30 days', gmv: 'GMV', orders: 'Orders', paid: 'Paid orders', conversion: 'Paid conversion', aov: 'Average order value', trend: 'GMV and orders, 30 days', topProducts: 'Top products (30 days)', lowStock: 'Low-stock SKUs', units: 'Units', revenue: 'Revenue', available: 'Available', threshold: 'Threshold' },
  product: { new: 'New product', name: 'Product name', subtitle: 'Subtitle', description: 'Description', category: 'Category', brand: 'Brand', images: 'Image URLs (one per line)', specs: 'Specifications', dimension: 'Dimension', values: 'Values', addDimension: 'Add a dimension', addValue: 'Add value', skus: 'SKUs', code: 'SKU code', price: 'Price', memberPrice: 'Member price', marketPrice: 'List price', stock: 'Stock', weight: 'Weight (g)', publish: 'Publish', unpublish: 'Unpublish', restore: 'Restore', deleted: 'Deleted', draft: 'Draft', published: 'Published', keyword: 'Name or keyword', priceRange: 'Price', showDeleted: 'Show deleted' },
  bulk: { title: 'Bulk edit of SKUs', hint: 'Select products, change price, member price or stock per SKU, preview, then apply in one transaction.', load: 'Load SKUs', setPrice: 'Set price of all to', adjustPrice: 'Change price by %', sku: 'SKU', before: 'Before', after: 'After', changes: 'changes', applied: 'Applied in one transaction', noChanges: 'Nothing to change' },
  inventory: { sku: 'SKU id', lookup: 'Look up', received: 'Received', available: 'Available', reserved: 'Reserved', sold: 'Sold', threshold: 'Low-stock threshold', adjust: 'Adjust stock', delta: 'Change (+/−)', ledger: 'Movement ledger', kind: 'Kind', reference: 'Reference', quantity: 'Quantity', reservation: 'Reservation by reference', lines: 'Lines' },
  order: { number: 'Order number', customer: 'Customer', status: 'Status', all: 'All', lines: 'Lines', history: 'History', ship: 'Ship', carrier: 'Carrier', tracking: 'Tracking number', cancel: 'Cancel order', refund: 'Refund', refundAll: 'Full refund', refundLine: 'Refund line', amount: 'Amount', payments: 'Payments', address: 'Ship to', afterSale: 'After-sale', transition: 'Move to', unitPrice: 'Unit price', quantity: 'Qty', bulkShipHint: 'One order per line: order number, carrier, tracking number (comma, tab or space separated). Or choose a CSV file.', bulkShipRun: 'Ship all', result: 'Result', shipped: 'shipped', failed: 'failed', subtotal: 'Subtotal', shippingFee: 'Shipping', discount: 'Discount' },
  status: { pendingPayment: 'Pending payment', paid: 'Paid', shipped: 'Shipped', completed: 'Completed', cancelled: 'Cancelled', refundRequested: 'Refund requested', refunded: 'Refunded', partiallyRefunded: 'Partly refunded', afterSale: 'After-sale' },
  customer: { id: 'Customer id', phone: 'Phone', level: 'Level', points: 'Points', balance: 'Balance', addresses: 'Addresses', ledger: 'Ledger', adjust: 'Adjust', asset: 'Asset', delta: 'Change' },
  plugin: { upload: 'Upload a .mallplugin', install: 'Install', enable: 'Enable', disable: 'Disable', upgrade: 'Upgrade', uninstall: 'Uninstall', dropData: 'and drop its data', settings: 'Settings', version: 'Version', versions: 'Uploaded versions', error: 'Error' },
  theme: { upload: 'Upload a .malltheme', activate: 'Activate', active: 'Active', settings: 'Theme settings', sections: 'Sections', page: 'Page', addSection: 'Add section', type: 'Type', livePreview: 'Live preview', savePage: 'Save page' },
  platform: { newKey: 'New API key', scopes: 'Scopes', secretOnce: 'Copy the secret now: it is shown only once.', rotate: 'Rotate', revoke: 'Revoke', revoked: 'Revoked', lastUsed: 'Last used', prefix: 'Key', newWebhook: 'New subscription', url: 'URL', events: 'Events', deliveries: 'Deliveries', replay: 'Replay', pause: 'Pause', resume: 'Resume', entity: 'Entity', actor: 'Actor', action: 'Action', changes: 'Changes', from: 'From', to: 'To' },
  admins: { userName: 'User name', roles: 'Roles', password: 'Password', new: 'New admin' },
  marketing: { newPromotion: 'New promotion', condition: 'Condition', result: 'Result', stacking: 'Stacking', exclusive: 'Exclusive', sampleCart: 'Sample cart', quote: 'Quote', priority: 'Priority', starts: 'Starts', ends: 'Ends', json: 'Rule (JSON)', newTemplate: 'New coupon template' },
}

type Messages = typeof en

const zhCN: Messages = {
  app: { title: 'Mall 商家后台', signOut: '退出登录', language: '语言', notAllowed: '无权访问', notAllowedText: '您的角色没有此页面的权限，请联系店主开通。', back: '返回概览', saved: '已保存', cancel: '取消', save: '保存', create: '新建', edit: '编辑', delete: '删除', actions: '操作', search: '搜索', refresh: '刷新', confirm: '确定吗？', yes: '是', no: '否', loading: '加载中…', none: '暂无数据', page: '页', id: 'ID', name: '名称', status: '状态', createdAt: '创建时间', reason: '原因', total: '合计', preview: '预览', apply: '应用', upload: '上传', enabled: '已启用', menu: '菜单' },
  login: { title: '登录商家后台', user: '用户名', password: '密码', submit: '登录', failed: '登录失败' },
  menu: { dashboard: '概览', catalog: '商品', products: '商品列表', categories: '分类', brands: '品牌', bulk: '批量编辑', inventory: '库存', orders: '订单', orderList: '全部订单', bulkShip: '批量发货', customers: '会员', marketing: '营销', promotions: '促销活动', coupons: '优惠券', shipping: '运费模板', plugins: '插件', themes: '主题', platform: '开放平台', apiKeys: 'API 密钥', webhooks: 'Webhook', audit: '操作日志', admins: '管理员', extensions: '插件页面' },
  dashboard: { today: '今日', last30: '近 30 天', gmv: '成交额', orders: '订单数', paid: '支付订单', conversion: '支付转化率', aov: '客单价', trend: '近 30 天成交额与订单数', topProducts: '热销商品（30 天）', lowStock: '库存预警', units: '件数', revenue: '销售额', available: '可用', threshold: '预警值' },
  product: { new: '发布商品', name: '商品名称', subtitle: '副标题', description: '详情', category: '分类', brand: '品牌', images: '图片地址（每行一个）', specs: '规格', dimension: '规格名', values: '规格值', addDimension: '添加规格', addValue: '添加规格值', skus: 'SKU', code: 'SKU 编码', price: '售价', memberPrice: '会员价', marketPrice: '划线价', stock: '库存', weight: '重量（克）', publish: '上架', unpublish: '下架', restore: '恢复', deleted: '已删除', draft: '草稿', published: '已上架', keyword: '名称或关键词', priceRange: '价格', showDeleted: '显示已删除' },
  bulk: { title: '批量编辑 SKU', hint: '选择商品，逐个修改售价、会员价或库存，预览后在一个事务中应用。', load: '载入 SKU', setPrice: '全部售价设为', adjustPrice: '售价调整 %', sku: 'SKU', before: '修改前', after: '修改后', changes: '处变更', applied: '已在一个事务中应用', noChanges: '没有需要修改的内容' },
  inventory: { sku: 'SKU ID', lookup: '查询', received: '入库', available: '可用', reserved: '锁定', sold: '已售', threshold: '预警值', adjust: '调整库存', delta: '变动（+/−）', ledger: '库存流水', kind: '类型', reference: '单号', quantity: '数量', reservation: '按单号查锁定', lines: '明细' },
  order: { number: '订单号', customer: '会员', status: '状态', all: '全部', lines: '商品', history: '订单轨迹', ship: '发货', carrier: '快递公司', tracking: '运单号', cancel: '取消订单', refund: '退款', refundAll: '全额退款', refundLine: '退此商品', amount: '金额', payments: '支付记录', address: '收货地址', afterSale: '售后', transition: '流转到', unitPrice: '单价', quantity: '数量', bulkShipHint: '每行一单：订单号、快递公司、运单号（逗号、制表符或空格分隔），也可选择 CSV 文件。', bulkShipRun: '全部发货', result: '结果', shipped: '已发货', failed: '失败', subtotal: '商品金额', shippingFee: '运费', discount: '优惠' },
  status: { pendingPayment: '待付款', paid: '待发货', shipped: '已发货', completed: '已完成', cancelled: '已取消', refundRequested: '退款中', refunded: '已退款', partiallyRefunded: '部分退款', afterSale: '售后中' },
  customer: { id: '会员 ID', phone: '手机号', level: '等级', points: '积分', balance: '余额', addresses: '收货地址', ledger: '资产流水', adjust: '调整', asset: '资产', delta: '变动' },
  plugin: { upload: '上传 .mallplugin', install: '安装', enable: '启用', disable: '停用', upgrade: '升级', uninstall: '卸载', dropData: '并删除数据', settings: '设置', version: '版本', versions: '已上传版本', error: '错误' },
  theme: { upload: '上传 .malltheme', activate: '启用', active: '使用中', settings: '主题设置', sections: '页面区块', page: '页面', addSection: '添加区块', type: '类型', livePreview: '实时预览', savePage: '保存页面' },
  platform: { newKey: '新建 API 密钥', scopes: '权限范围', secretOnce: '请立即复制密钥：只显示这一次。', rotate: '轮换', revoke: '吊销', revoked: '已吊销', lastUsed: '最近使用', prefix: '密钥', newWebhook: '新建订阅', url: '地址', events: '事件', deliveries: '投递记录', replay: '重发', pause: '暂停', resume: '恢复', entity: '对象', actor: '操作人', action: '动作', changes: '变更', from: '从', to: '到' },
  admins: { userName: '用户名', roles: '角色', password: '密码', new: '新建管理员' },
  marketing: { newPromotion: '新建促销', condition: '条件', result: '优惠', stacking: '叠加', exclusive: '互斥', sampleCart: '示例购物车', quote: '试算', priority: '优先级', starts: '开始', ends: '结束', json: '规则（JSON）', newTemplate: '新建优惠券模板' },
}

export type Locale = 'zh-CN' | 'en'
export const LocaleKey = 'mall_admin_locale'

export const i18n = createI18n({
  legacy: false,
  locale: (localStorage.getItem(LocaleKey) as Locale | null) ?? (navigator.language.startsWith('zh') ? 'zh-CN' : 'en'),
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zhCN },
})

/** A text in the console's language from a plugin's `{ "en": …, "zh-CN": … }` (or a plain string). */
export function localized(text: string | Record<string, string> | undefined, locale: string): string {
  if (!text) return ''
  if (typeof text === 'string') return text
  return text[locale] ?? text.en ?? Object.values(text)[0] ?? ''
}
