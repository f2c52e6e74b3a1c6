import { MallClient, type ProblemDetails } from '@mall/client'
import { settings } from './settings'

// The console's one way to Mall: the NSwag-generated client. This wrapper adds the admin's bearer token, renews it
// once on a 401 with the refresh token, and sends file bodies (the generated client serialises every body as JSON).

const TokenKey = 'mall_admin_token'
const RefreshKey = 'mall_admin_refresh'

export const tokens = {
  get access() { return sessionStorage.getItem(TokenKey) ?? localStorage.getItem(TokenKey) },
  get refresh() { return localStorage.getItem(RefreshKey) },
  set(access: string, refresh: string) {
    localStorage.setItem(TokenKey, access)
    localStorage.setItem(RefreshKey, refresh)
  },
  clear() {
    localStorage.removeItem(TokenKey)
    localStorage.removeItem(RefreshKey)
  },
}

let pendingFile: Blob | null = null
let pendingKey: string | null = null
let onSignedOut: () => void = () => {}
/** Called when the session ends (refresh refused): the app goes to the sign-in screen. */
export function whenSignedOut(handler: () => void) { onSignedOut = handler }

async function send(url: RequestInfo, init: RequestInit = {}, retried = false): Promise<Response> {
  const headers = new Headers(init.headers)
  const token = tokens.access
  if (token) headers.set('Authorization', `Bearer ${token}`)
  if (pendingKey) {
    headers.set('Idempotency-Key', pendingKey)
    pendingKey = null
  }
  let body = init.body
  if (pendingFile && /application\/(zip|octet-stream)/.test(headers.get('Content-Type') ?? '')) {
    body = pendingFile
    pendingFile = null
  }
  const response = await fetch(url, { ...init, headers, body })
  if (response.status === 401 && !retried && tokens.refresh && !String(url).includes('/auth/')) {
    if (await renew()) return send(url, init, true)
    tokens.clear()
    onSignedOut()
  }
  return response
}

let renewing: Promise<boolean> | null = null
function renew(): Promise<boolean> {
  renewing ??= (async () => {
    try {
      const result = await new MallClient(settings.apiBase, { fetch }).postAdminAuthRefresh({ refreshToken: tokens.refresh! })
      tokens.set(result.accessToken, result.refreshToken)
      return true
    } catch {
      return false
    } finally {
      setTimeout(() => { renewing = null })
    }
  })()
  return renewing
}

/** Mall's API, typed. */
export const api = new MallClient(settings.apiBase, { fetch: (url, init) => send(url, init) })

/** Calls an upload operation of the client with a file as its body (plugin and theme packages). */
export function withFile<T>(file: Blob, call: () => Promise<T>): Promise<T> {
  pendingFile = file
  return call().finally(() => { pendingFile = null })
}

/**
 * Calls an operation once per key (refunds): the same key sent again — a double click, a retry after a timeout —
 * makes the API answer with what the first call did instead of doing it twice.
 */
export function withIdempotencyKey<T>(key: string, call: () => Promise<T>): Promise<T> {
  pendingKey = key
  return call().finally(() => { pendingKey = null })
}

/** A new idempotency key (also on plain-HTTP hosts, where crypto.randomUUID is missing). */
export function newIdempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`
}

/** Plugin screens call their plugin's admin endpoints, which are not in the generated client. */
export async function pluginCall<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  if (!path.startsWith('/api/plugins/')) throw { status: 400, title: 'A plugin screen may only call /api/plugins/… endpoints.' } as ProblemDetails
  const response = await send(settings.apiBase + path, {
    method,
    headers: body === undefined ? { Accept: 'application/json' } : { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  const value = text ? JSON.parse(text) : null
  if (!response.ok) throw (value ?? { status: response.status, title: response.statusText }) as ProblemDetails
  return value as T
}

/** The problem details of a failed call (documented errors are thrown as the problem object), or one made up. */
export function problemOf(error: unknown): ProblemDetails {
  if (error && typeof error === 'object' && ('title' in error || 'status' in error || 'errors' in error)) return error as ProblemDetails
  if (error && typeof error === 'object' && 'response' in error) {
    const e = error as { status: number; response: string; message: string }
    try { return JSON.parse(e.response) as ProblemDetails } catch { return { status: e.status, title: e.message } }
  }
  return { title: error instanceof Error ? error.message : String(error) }
}

/** Field messages of a problem: `{ "skus[0].price": "…" }` → the first message per field. */
export function fieldErrors(problem: ProblemDetails): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [key, messages] of Object.entries(problem.errors ?? {})) result[key] = messages.join(' ')
  return result
}
