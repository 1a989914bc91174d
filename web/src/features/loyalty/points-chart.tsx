import { Box, Group, Text } from '@mantine/core';
import { lazy, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChartOption } from '../../components/echart.tsx';
import { PageLoader } from '../../components/errors.tsx';
import type { LoyaltyReport } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';

// ECharts is the biggest dependency: it loads on its own, when a chart is first drawn.
const EChart = lazy(() => import('../../components/echart.tsx').then((m) => ({ default: m.EChart })));

// Dark enough to stand out against the white card (3:1 and more, WCAG 1.4.11).
const issuedColor = '#4263eb';
const redeemedColor = '#087f5b';

export type MonthRow = { month: string; issued: number; redeemed: number; takenBack: number; expired: number };

/** 'YYYY-MM' of a date, in UTC as the report counts months. */
export const monthOf = (at: Date) => `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;

/**
 * The last `count` months up to this one, each with the report's figures or zeros: the report leaves out
 * months in which nothing moved, and a chart with gaps would read as if time jumped.
 */
export function monthsOf(report: LoyaltyReport, count: number, now = new Date()): MonthRow[] {
  const byMonth = new Map(report.points.byMonth.map((m) => [m.month, m]));
  const rows: MonthRow[] = [];
  for (let back = count - 1; back >= 0; back--) {
    const month = monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)));
    const found = byMonth.get(month);
    rows.push({
      month,
      issued: found?.issued ?? 0,
      redeemed: found?.redeemed ?? 0,
      takenBack: found?.takenBack ?? 0,
      expired: found?.expired ?? 0,
    });
  }
  return rows;
}

/** Columns by month; in Hebrew time runs from right to left, as the text does. */
export function monthsOption(
  labels: string[],
  series: { name: string; data: number[]; color: string }[],
  rtl: boolean,
): ChartOption {
  return {
    grid: { left: 8, right: 8, top: 12, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: {
      type: 'category',
      data: labels,
      inverse: rtl,
      axisTick: { show: false },
      axisLabel: { fontFamily: 'system-ui, "Segoe UI", Arial, sans-serif', fontSize: 12, color: '#495057' },
    },
    yAxis: {
      type: 'value',
      position: rtl ? 'right' : 'left',
      minInterval: 1,
      splitLine: { lineStyle: { color: '#eee' } },
      axisLabel: { color: '#495057' },
    },
    series: series.map(({ name, data, color }) => ({
      type: 'bar',
      name,
      data,
      itemStyle: { color, borderRadius: [3, 3, 0, 0] },
      barMaxWidth: 18,
    })),
  };
}

export function Swatch({ color, label }: { color: string; label: string }) {
  return (
    <Group gap={6} wrap="nowrap">
      <Box w={12} h={12} style={{ background: color, borderRadius: 2 }} aria-hidden />
      <Text size="xs">{label}</Text>
    </Group>
  );
}

/**
 * Points earned and used, month by month, as columns with their legend below; for whoever cannot see the
 * canvas, the same figures in words are its text alternative.
 */
export function PointsChart({ months, height = 220, testId }: { months: MonthRow[]; height?: number; testId: string }) {
  const { t, i18n } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const rtl = i18n.dir() === 'rtl';
  const labels = months.map((m) => lf.month(m.month));
  const key = `${i18n.language}:${labels.join('|')}:${months.map((m) => `${m.issued},${m.redeemed}`).join(';')}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the labels, names and figures
  const option = useMemo(
    () =>
      monthsOption(
        labels,
        [
          { name: t('dashboard.issued'), data: months.map((m) => m.issued), color: issuedColor },
          { name: t('dashboard.redeemed'), data: months.map((m) => m.redeemed), color: redeemedColor },
        ],
        rtl,
      ),
    [key, rtl],
  );
  const summary = months
    .map((m, i) =>
      t('dashboard.chartSummary', {
        month: labels[i] ?? m.month,
        issued: lf.number(m.issued),
        redeemed: lf.number(m.redeemed),
      }),
    )
    .join('; ');
  return (
    <Box>
      <Suspense fallback={<PageLoader />}>
        <EChart option={option} summary={summary} height={height} testId={testId} />
      </Suspense>
      <Group gap="md" justify="center" mt={4}>
        <Swatch color={issuedColor} label={t('dashboard.issued')} />
        <Swatch color={redeemedColor} label={t('dashboard.redeemed')} />
      </Group>
    </Box>
  );
}
