import { defineStore } from 'pinia'
import type { ConsoleScreen } from '@mall/client'
import { api, tokens } from '@/api'

/** Who is signed in, what their roles allow, and the screens enabled plugins add. */
export const useSession = defineStore('session', {
  state: () => ({
    userName: '' as string,
    roles: [] as string[],
    screens: [] as ConsoleScreen[],
    loaded: false,
  }),
  getters: {
    signedIn: () => !!tokens.access,
  },
  actions: {
    /** Whether the admin's roles include `role` (the owner holds every role). */
    can(role: string | undefined): boolean {
      if (!role) return true
      return this.roles.includes('owner') || this.roles.includes(role)
    },
    async signIn(userName: string, password: string) {
      const result = await api.postAdminAuthLogin({ userName, password })
      tokens.set(result.accessToken, result.refreshToken)
      this.loaded = false
      await this.load()
    },
    async load() {
      if (this.loaded || !tokens.access) return
      const me = await api.getAdminAuthMe()
      this.userName = me.userName
      this.roles = me.roles ?? []
      this.loaded = true
      await this.loadScreens()
    },
    /** The plugin screens now enabled (polled: a plugin enabled or disabled elsewhere shows here within seconds). */
    async loadScreens() {
      try {
        this.screens = await api.getAdminConsoleScreens()
      } catch {
        // Keep the last known screens while the API is unreachable.
      }
    },
    signOut() {
      tokens.clear()
      this.$reset()
    },
  },
})
