import { computed, ref } from 'vue'
import type { ProblemDetails } from '@mall/client'
import { fieldErrors, problemOf } from '@/api'

/**
 * The last failed call of a form: `fieldError('skus[0].price')` gives the message for that field (shown by the field,
 * as el-form-item's error), `unplaced(...)` the ones no field on the screen shows.
 */
export function useProblem() {
  const problem = ref<ProblemDetails | null>(null)
  const fields = computed(() => (problem.value ? fieldErrors(problem.value) : {}))
  return {
    problem,
    fields,
    fieldError: (name: string) => fields.value[name] ?? fields.value[name.charAt(0).toUpperCase() + name.slice(1)] ?? '',
    unplaced: (shown: (name: string) => boolean) => Object.fromEntries(Object.entries(fields.value).filter(([k]) => !shown(k))),
    clear: () => { problem.value = null },
    /** Runs a call; on failure keeps its problem and returns undefined. */
    async run<T>(call: () => Promise<T>): Promise<T | undefined> {
      problem.value = null
      try {
        return await call()
      } catch (error) {
        problem.value = problemOf(error)
        return undefined
      }
    },
  }
}
