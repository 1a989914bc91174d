import { Box, Group, Text } from '@mantine/core';
import { lazy, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { PageLoader } from '../../components/errors.tsx';
import type { LoyaltyReport } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';
import { monthOf, monthsOption, Swatch } from './points-chart.tsx';

const EChart = lazy(() => import('../../components/echart.tsx').then((m) => ({ default: m.EChart })));

// Up and down in colours told apart without red/green (and 3:1 against white).
const upColor = '#1971c2';
const downColor = '#e8590c';

/** Members who moved up and down a tier, month by month over the last 12, as columns (the words for a reader). */
export function TierMovesChart({ report, now = new Date() }: { report: LoyaltyReport; now?: Date }) {
  const { t, i18n } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const rtl = i18n.dir() === 'rtl';
  const byMonth = new Map(report.members.tierMovesByMonth.map((m) => [m.month, m]));
  const months = Array.from({ length: 12 }, (_, i) => {
    const month = monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (11 - i), 1)));
    return { month, up: byMonth.get(month)?.up ?? 0, down: byMonth.get(month)?.down ?? 0 };
  });
  const labels = months.map((m) => lf.month(m.month));
  const key = `${i18n.language}:${months.map((m) => `${m.month}=${m.up},${m.down}`).join(';')}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the labels, names and figures
  const option = useMemo(
    () =>
      monthsOption(
        labels,
        [
          { name: t('report.movedUp'), data: months.map((m) => m.up), color: upColor },
          { name: t('report.movedDown'), data: months.map((m) => m.down), color: downColor },
        ],
        rtl,
      ),
    [key, rtl],
  );
  if (months.every((m) => m.up + m.down === 0)) {
    return (
      <Text size="sm" c="dimmed" data-testid="report-tier-moves-empty">
        {t('report.noTierMoves')}
      </Text>
    );
  }
  const summary = months
    .map((m, i) =>
      t('report.tierMovesSummary', { month: labels[i] ?? m.month, up: lf.number(m.up), down: lf.number(m.down) }),
    )
    .join('; ');
  return (
    <Box>
      <Suspense fallback={<PageLoader />}>
        <EChart option={option} summary={summary} height={200} testId="report-tier-moves" />
      </Suspense>
      <Group gap="md" justify="center" mt={4}>
        <Swatch color={upColor} label={t('report.movedUp')} />
        <Swatch color={downColor} label={t('report.movedDown')} />
      </Group>
    </Box>
  );
}
