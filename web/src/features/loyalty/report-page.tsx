import { Anchor, Card, Grid, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { PageLoader, QueryError } from '../../components/errors.tsx';
import { DataTable } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { isNoProgram, type LoyaltyReport, type Tier, useLoyaltyReport, useProgram } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';
import { NoClubBlock } from './no-club.tsx';
import { monthsOf, PointsChart } from './points-chart.tsx';
import { TierBadge } from './tier-badge.tsx';
import { TierMovesChart } from './tier-moves-chart.tsx';

function Stat({
  label,
  value,
  children,
  testId,
}: {
  label: string;
  value: string;
  children?: ReactNode;
  testId: string;
}) {
  return (
    <Card withBorder padding="md" data-testid={testId}>
      <Text size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text fw={800} size="xl">
        {value}
      </Text>
      {children}
    </Card>
  );
}

/** A figure in a table cell: at the cell's end, in its own direction. */
function Figure({ n }: { n: number }) {
  const lf = useLoyaltyFormat();
  return (
    <Text component="span" size="sm" className="ltr-value">
      {lf.number(n)}
    </Text>
  );
}

function Report({ report, tiers }: { report: LoyaltyReport; tiers: Tier[] }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const { members, points, liability } = report;
  const months = monthsOf(report, 12);
  const joined = new Map(members.joinedByMonth.map((m) => [m.month, m.count]));
  const end = (label: string) => ({ label, ta: 'end' as const });
  const percent = (share: number) => `${lf.number(Math.round(share * 1000) / 10)}%`;
  // Every tier of the club, those no member holds too, then the members with none.
  const counts = new Map(members.byTier.map((row) => [row.tierId, row.count]));
  const tierRows = [
    ...tiers.map((tier) => ({
      key: tier.id,
      tier: { name: tier.name, rank: tier.rank },
      count: counts.get(tier.id) ?? 0,
    })),
    ...(counts.get(null) ? [{ key: 'none', tier: null, count: counts.get(null) ?? 0 }] : []),
  ];
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm">
        <Stat label={t('report.members')} value={lf.number(members.total)} testId="report-members" />
        <Stat label={t('report.available')} value={lf.number(points.outstanding.available)} testId="report-available" />
        <Stat label={t('report.pending')} value={lf.number(points.outstanding.pending)} testId="report-pending" />
        <Stat label={t('report.liability')} value={lf.money(liability.amount)} testId="report-liability">
          <Text size="xs" c="dimmed" mt={4}>
            {t('report.liabilityExplain', {
              points: t('points.count', { count: liability.points, n: lf.inline(lf.number(liability.points)) }),
              value: lf.inline(lf.money(liability.pointValueAgorot / 100)),
              rate: lf.inline(percent(liability.expectedRedemptionRate)),
            })}
          </Text>
        </Stat>
      </SimpleGrid>
      <Card withBorder padding="md">
        <Title order={2} size="h4" mb="sm">
          {t('dashboard.chartTitle')}
        </Title>
        <PointsChart months={months} height={260} testId="report-chart" />
      </Card>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder padding="md">
            <Title order={2} size="h4" mb="sm">
              {t('report.byTier')}
            </Title>
            <DataTable
              columns={[t('report.tier'), end(t('report.count')), end(t('report.share'))]}
              data-testid="report-tiers"
            >
              {tierRows.map((row) => (
                <Table.Tr key={row.key} data-testid="report-tier-row">
                  <Table.Td>
                    <TierBadge tier={row.tier} />
                  </Table.Td>
                  <Table.Td ta="end">
                    <Figure n={row.count} />
                  </Table.Td>
                  <Table.Td ta="end">
                    <Text component="span" size="sm" className="ltr-value">
                      {members.total > 0 ? percent(row.count / members.total) : '—'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </DataTable>
            <Title order={3} size="h5" mt="md" mb="xs">
              {t('report.tierMoves')}
            </Title>
            <TierMovesChart report={report} />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card withBorder padding="md">
            <Title order={2} size="h4" mb="sm">
              {t('report.byMonth')}
            </Title>
            <DataTable
              columns={[
                t('report.month'),
                end(t('report.joined')),
                end(t('report.issued')),
                end(t('report.takenBack')),
                end(t('report.redeemed')),
                end(t('report.expired')),
              ]}
              minWidth={560}
              data-testid="report-months"
            >
              {[...months].reverse().map((m) => (
                <Table.Tr key={m.month}>
                  <Table.Td className="nowrap">{lf.month(m.month)}</Table.Td>
                  <Table.Td ta="end">
                    <Figure n={joined.get(m.month) ?? 0} />
                  </Table.Td>
                  <Table.Td ta="end">
                    <Figure n={m.issued} />
                  </Table.Td>
                  <Table.Td ta="end">
                    <Figure n={m.takenBack} />
                  </Table.Td>
                  <Table.Td ta="end">
                    <Figure n={m.redeemed} />
                  </Table.Td>
                  <Table.Td ta="end">
                    <Figure n={m.expired} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </DataTable>
          </Card>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function ClubReport() {
  const { t, i18n } = useTranslation('loyalty');
  const report = useLoyaltyReport();
  const program = useProgram();
  let body: ReactNode;
  if (report.isPending || (program.isPending && report.isSuccess)) body = <PageLoader />;
  else if (report.isSuccess) body = <Report report={report.data} tiers={program.data?.tiers ?? []} />;
  else if (isNoProgram(report.error)) {
    body = (
      <Card withBorder>
        <NoClubBlock />
      </Card>
    );
  } else body = <QueryError error={report.error} onRetry={() => void report.refetch()} />;
  return (
    <Stack gap="md" data-testid="loyalty-report">
      <Anchor component={Link} to="/loyalty" size="sm">
        {i18n.dir() === 'rtl' ? '→' : '←'} {t('report.back')}
      </Anchor>
      <Stack gap={4}>
        <PageTitle>{t('report.title')}</PageTitle>
        <Text c="dimmed" size="sm">
          {t('report.intro')}
        </Text>
      </Stack>
      {body}
    </Stack>
  );
}

/** The club's report: members by tier, points month by month, what is outstanding and the liability. */
export const LoyaltyReportPage = withPermission('loyalty.read', ClubReport);
