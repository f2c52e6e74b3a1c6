import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import type { DailySales, ProductSales } from '@mall/client'

// ECharts (only what the dashboard draws) in a chunk of its own, loaded after the dashboard's figures are on screen:
// the first screen is interactive before the chart library arrives.
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export type Chart = echarts.ECharts

/** Sales per day: GMV as bars, orders as a line on its own axis. */
export function trendChart(element: HTMLElement, daily: DailySales[], labels: { gmv: string; orders: string }): Chart {
  const chart = echarts.init(element)
  chart.setOption({
    tooltip: { trigger: 'axis' },
    legend: { data: [labels.gmv, labels.orders] },
    grid: { left: 50, right: 40, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: daily.map(d => d.date.slice(5)) },
    yAxis: [{ type: 'value' }, { type: 'value', minInterval: 1 }],
    series: [
      { name: labels.gmv, type: 'bar', data: daily.map(d => d.gmv) },
      { name: labels.orders, type: 'line', yAxisIndex: 1, smooth: true, data: daily.map(d => d.orders) },
    ],
  })
  return chart
}

/** Best sellers by units, as horizontal bars. */
export function topProductsChart(element: HTMLElement, products: ProductSales[], units: string): Chart {
  const chart = echarts.init(element)
  chart.setOption({
    tooltip: {},
    grid: { left: 120, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: products.map(p => p.name), axisLabel: { width: 110, overflow: 'truncate' } },
    series: [{ name: units, type: 'bar', data: products.map(p => p.units) }],
  })
  return chart
}
