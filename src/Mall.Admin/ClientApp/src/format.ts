import { settings } from './settings'

const moneyFormats = new Map<string, Intl.NumberFormat>()

/** Money in the store's currency (¥12.30, CN¥12.30 …), formatted for the console's language. */
export function money(value: number | undefined | null, locale: string): string {
  if (value === undefined || value === null) return '—'
  let format = moneyFormats.get(locale)
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: settings.currency, currencyDisplay: 'narrowSymbol' })
    moneyFormats.set(locale, format)
  }
  return format.format(value)
}

/** A UTC timestamp from the API in the browser's time zone. */
export function dateTime(value: string | undefined | null, locale: string): string {
  if (!value) return '—'
  return new Date(value).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' })
}

/** The cartesian product of spec values: [[红,蓝],[S,M,L]] → [[红,S],[红,M],…]. */
export function combinations(dimensions: string[][]): string[][] {
  return dimensions.reduce<string[][]>((rows, values) => rows.flatMap(row => values.map(v => [...row, v])), [[]])
}
