import { Anchor, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { isNoProgram, useLoyaltyReport } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';
import { NoClubBlock } from './no-club.tsx';
import { monthOf, monthsOf, PointsChart } from './points-chart.tsx';

function Stat({ label, value, help, testId }: { label: string; value: string; help?: string; testId: string }) {
  return (
    <Stack gap={0} data-testid={testId}>
      <Text size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text fw={800} size="lg">
        {value}
      </Text>
      {help ? (
        <Text size="xs" c="dimmed">
          {help}
        </Text>
      ) : null}
    </Stack>
  );
}

function CardFrame({ children }: { children: ReactNode }) {
  const { t } = useTranslation('loyalty');
  return (
    <Card withBorder padding="md" data-testid="loyalty-dashboard-card">
      <Group gap={6} mb="sm" wrap="nowrap">
        <Icon name="star" size={18} />
        <Title order={2} size="h5">
          {t('dashboard.title')}
        </Title>
      </Group>
      {children}
    </Card>
  );
}

/** The dashboard's club card: members, the points they hold and what those are worth, and the last months. */
export function LoyaltyDashboardCard() {
  const { t } = useTranslation(['loyalty', 'shell']);
  const lf = useLoyaltyFormat();
  const report = useLoyaltyReport();
  if (report.isPending) {
    return (
      <CardFrame>
        <Loader size="sm" role="status" aria-label={t('shell:app.loading')} />
      </CardFrame>
    );
  }
  if (report.isError) {
    return (
      <CardFrame>
        {isNoProgram(report.error) ? (
          <NoClubBlock testId="loyalty-dashboard-no-club" />
        ) : (
          <QueryError error={report.error} onRetry={() => void report.refetch()} />
        )}
      </CardFrame>
    );
  }
  const { members, points, liability } = report.data;
  const held = points.outstanding.available + points.outstanding.pending;
  const months = monthsOf(report.data, 6);
  const moved = months.some((m) => m.issued > 0 || m.redeemed > 0);
  // The club's growth: who joined this month, beside last month.
  const now = new Date();
  const joinedIn = (back: number) =>
    members.joinedByMonth.find(
      (m) => m.month === monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1))),
    )?.count ?? 0;
  const growth = t('dashboard.growth', { thisMonth: lf.number(joinedIn(0)), lastMonth: lf.number(joinedIn(1)) });
  return (
    <CardFrame>
      <Stack gap="sm">
        <SimpleGrid cols={3} spacing="sm">
          <Stat
            label={t('dashboard.members')}
            value={lf.number(members.total)}
            help={growth}
            testId="loyalty-dashboard-members"
          />
          <Stat label={t('dashboard.outstanding')} value={lf.number(held)} testId="loyalty-dashboard-points" />
          <Stat
            label={t('dashboard.liability')}
            value={lf.money(liability.amount)}
            testId="loyalty-dashboard-liability"
          />
        </SimpleGrid>
        <Text size="xs" c="dimmed">
          {t('dashboard.liabilityHelp')}
        </Text>
        <Text size="sm" fw={600}>
          {t('dashboard.chartTitle')}
        </Text>
        {moved ? (
          <PointsChart months={months} height={180} testId="loyalty-dashboard-chart" />
        ) : (
          <Text size="sm" c="dimmed" data-testid="loyalty-dashboard-quiet">
            {t('dashboard.noMovement')}
          </Text>
        )}
        <Group justify="flex-end">
          <Anchor component={Link} to="/loyalty/report" size="sm" data-testid="loyalty-dashboard-report">
            {t('dashboard.fullReport')}
          </Anchor>
        </Group>
      </Stack>
    </CardFrame>
  );
}
