"use client";

import type { ReactNode } from "react";
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatBytes, formatCount, formatMs, formatPercent, formatTime } from "@/lib/analytics/format";
import type { SeriesPoint } from "@/lib/analytics/rollup-buckets";

const statusColors = { status1xx: "#868e96", status2xx: "#37b24d", status3xx: "#4c6ef5", status4xx: "#f59f00", status5xx: "#e03131" } as const;

interface ChartProps {
  series: SeriesPoint[];
  /** Whether ticks need the day as well as the time (ranges longer than a day). */
  withDate: boolean;
}

const axis = { stroke: "#868e96", fontSize: 11, tickLine: false, axisLine: false } as const;
const height = 220;

function Frame({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <section className="card chart-card" data-testid={testId}>
      <h3>{title}</h3>
      <ResponsiveContainer width="100%" height={height}>
        {children as never}
      </ResponsiveContainer>
    </section>
  );
}

function xAxis(withDate: boolean) {
  return <XAxis dataKey="at" {...axis} tickFormatter={(at: number) => formatTime(at, withDate)} minTickGap={28} />;
}

const tooltip = (withDate: boolean, format: (value: number) => string) => (
  <Tooltip
    labelFormatter={(at) => `${formatTime(Number(at), withDate)} UTC`}
    formatter={(value) => (typeof value === "number" ? format(value) : "—")}
    contentStyle={{ borderRadius: 8, borderColor: "#e3e6eb", fontSize: 12 }}
  />
);

const legend = <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />;

export function RequestsChart({ series, withDate }: ChartProps) {
  return (
    <Frame title="Requests by status" testId="chart-requests">
      <BarChart data={series} margin={{ top: 4, right: 4, left: -12, bottom: 0 }}>
        <CartesianGrid stroke="#f1f3f5" vertical={false} />
        {xAxis(withDate)}
        <YAxis {...axis} allowDecimals={false} tickFormatter={formatCount} />
        {tooltip(withDate, formatCount)}
        {legend}
        <Bar dataKey="status2xx" name="2xx" stackId="status" fill={statusColors.status2xx} isAnimationActive={false} />
        <Bar dataKey="status3xx" name="3xx" stackId="status" fill={statusColors.status3xx} isAnimationActive={false} />
        <Bar dataKey="status4xx" name="4xx" stackId="status" fill={statusColors.status4xx} isAnimationActive={false} />
        <Bar dataKey="status5xx" name="5xx" stackId="status" fill={statusColors.status5xx} isAnimationActive={false} />
        <Bar dataKey="status1xx" name="1xx" stackId="status" fill={statusColors.status1xx} isAnimationActive={false} />
      </BarChart>
    </Frame>
  );
}

/** A line only joins neighbouring buckets, so isolated buckets with traffic need a dot to be seen at all. */
const dotsWhenSparse = (series: SeriesPoint[]) => (series.filter((point) => point.requests > 0).length < 8 ? { r: 3 } : false);

export function LatencyChart({ series, withDate }: ChartProps) {
  const dot = dotsWhenSparse(series);
  return (
    <Frame title="Latency" testId="chart-latency">
      <LineChart data={series} margin={{ top: 4, right: 4, left: -4, bottom: 0 }}>
        <CartesianGrid stroke="#f1f3f5" vertical={false} />
        {xAxis(withDate)}
        <YAxis {...axis} width={60} tickFormatter={(ms: number) => formatMs(ms)} />
        {tooltip(withDate, formatMs)}
        {legend}
        <Line dataKey="p50" name="p50" stroke="#74c0fc" strokeWidth={2} dot={dot} connectNulls={false} isAnimationActive={false} />
        <Line dataKey="p95" name="p95" stroke="#4c6ef5" strokeWidth={2} dot={dot} connectNulls={false} isAnimationActive={false} />
        <Line dataKey="p99" name="p99" stroke="#7048e8" strokeWidth={2} dot={dot} connectNulls={false} isAnimationActive={false} />
      </LineChart>
    </Frame>
  );
}

export function BandwidthChart({ series, withDate }: ChartProps) {
  return (
    <Frame title="Bandwidth" testId="chart-bandwidth">
      <AreaChart data={series} margin={{ top: 4, right: 4, left: -8, bottom: 0 }}>
        <CartesianGrid stroke="#f1f3f5" vertical={false} />
        {xAxis(withDate)}
        <YAxis {...axis} width={64} tickFormatter={formatBytes} />
        {tooltip(withDate, formatBytes)}
        {legend}
        <Area dataKey="bytesOut" name="Out" stroke="#4c6ef5" fill="#4c6ef5" fillOpacity={0.15} strokeWidth={2} isAnimationActive={false} />
        <Area dataKey="bytesIn" name="In" stroke="#20c997" fill="#20c997" fillOpacity={0.15} strokeWidth={2} isAnimationActive={false} />
      </AreaChart>
    </Frame>
  );
}

export function ErrorRateChart({ series, withDate }: ChartProps) {
  const dot = dotsWhenSparse(series);
  return (
    <Frame title="Error rate (5xx)" testId="chart-errors">
      <AreaChart data={series} margin={{ top: 4, right: 4, left: -4, bottom: 0 }}>
        <CartesianGrid stroke="#f1f3f5" vertical={false} />
        {xAxis(withDate)}
        <YAxis {...axis} tickFormatter={(ratio: number) => formatPercent(ratio)} domain={[0, (max: number) => Math.max(0.01, max)]} />
        {tooltip(withDate, formatPercent)}
        <Area
          dataKey="errorRate"
          name="Error rate"
          stroke="#e03131"
          fill="#e03131"
          fillOpacity={0.12}
          strokeWidth={2}
          dot={dot}
          connectNulls={false}
          isAnimationActive={false}
        />
      </AreaChart>
    </Frame>
  );
}
