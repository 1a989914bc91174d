import { Button, Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { lazy, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { withPermission } from '../../components/app-layout.tsx';
import type { ChartOption } from '../../components/echart.tsx';
import { EmptyBlock, PageError, PageLoader } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { customerName, formatPhone, useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { StageBadge } from '../customers/customer-badges.tsx';
import { type CustomerPage, channels, lifecycleStages } from '../customers/customers-api.ts';
import { useFeatureRegistry } from '../feature-registry.tsx';

// ECharts is the biggest dependency; only the dashboard needs it, so it loads on its own.
const EChart = lazy(() => import('../../components/echart.tsx').then((m) => ({ default: m.EChart })));

/** Horizontal bars read naturally in both directions: in Hebrew the bars grow from the right. */
function barOption(labels: string[], values: number[], rtl: boolean, color: string): ChartOption {
  return {
    grid: { left: rtl ? 16 : 8, right: rtl ? 8 : 16, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', inverse: rtl, minInterval: 1, splitLine: { lineStyle: { color: '#eee' } } },
    yAxis: {
      type: 'category',
      data: labels,
      inverse: true,
      position: rtl ? 'right' : 'left',
      axisTick: { show: false },
      axisLabel: { fontFamily: 'system-ui, "Segoe UI", Arial, sans-serif', fontSize: 13 },
    },
    series: [
      {
        type: 'bar',
        data: values,
        itemStyle: { color, borderRadius: rtl ? [4, 0, 0, 4] : [0, 4, 4, 0] },
        barMaxWidth: 26,
        label: { show: true, position: rtl ? 'left' : 'right', fontSize: 12 },
      },
    ],
  };
}

function countQuery(query: Record<string, string>) {
  return {
    queryKey: ['customers', 'count', query],
    queryFn: () => api<CustomerPage>('/customers', { query: { ...query, limit: 1 } }),
    staleTime: 30_000,
  };
}

/** A card with a horizontal bar chart, and the same figures in words for whoever cannot see it. */
function BarChartCard({
  title,
  labels,
  values,
  ready,
  color,
  testId,
}: {
  title: string;
  labels: string[];
  values: number[];
  ready: boolean;
  color: string;
  testId: string;
}) {
  const { i18n } = useTranslation();
  const fmt = useFormat();
  const rtl = i18n.dir() === 'rtl';
  const key = `${labels.join('\u0000')}|${values.join(',')}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the labels and the values
  const option = useMemo(() => barOption(labels, values, rtl, color), [key, rtl, color]);
  const summary = labels.map((label, i) => `${label} ${fmt.number(values[i] ?? 0)}`).join(', ');
  return (
    <Card withBorder padding="md">
      <Text fw={700} mb="xs">
        {title}
      </Text>
      <Suspense fallback={<PageLoader />}>
        {ready ? <EChart option={option} summary={summary} height={260} testId={testId} /> : <PageLoader />}
      </Suspense>
    </Card>
  );
}

function Dashboard() {
  const { t, i18n } = useTranslation(['dashboard', 'customers']);
  const fmt = useFormat();
  const can = useCan();
  // Other features' cards go below the dashboard's own figures, for the roles that may see them.
  const cards = useFeatureRegistry().dashboardCards.filter((card) => can(card.permission));
  const recent = useQuery({
    queryKey: ['customers', 'recent'],
    queryFn: () => api<CustomerPage>('/customers', { query: { limit: 5, sort: '-createdAt' } }),
  });
  const byStage = useQueries({ queries: lifecycleStages.map((stage) => countQuery({ stage })) });
  const byConsent = useQueries({ queries: channels.map((consent) => countQuery({ consent })) });

  const stageValues = byStage.map((q) => q.data?.total ?? 0);
  const consentValues = byConsent.map((q) => q.data?.total ?? 0);
  const consentReady = byConsent.every((q) => q.isSuccess);

  if (recent.isPending) return <PageLoader />;
  if (recent.isError) {
    return <PageError title={t('dashboard.title')} error={recent.error} onRetry={() => void recent.refetch()} />;
  }
  const total = recent.data.total;

  if (total === 0) {
    return (
      <Stack gap="md">
        <PageTitle>{t('dashboard.title')}</PageTitle>
        <Card withBorder>
          <EmptyBlock title={t('dashboard.emptyTitle')} text={t('dashboard.emptyText')} testId="dashboard-empty">
            <Group>
              {can('imports.run') ? (
                <Button component={Link} to="/import" leftSection={<Icon name="upload" size={18} />}>
                  {t('customers:customers.importCta')}
                </Button>
              ) : null}
              {can('customers.write') ? (
                <Button component={Link} to="/customers" variant="light" leftSection={<Icon name="plus" size={18} />}>
                  {t('customers:customers.new')}
                </Button>
              ) : null}
            </Group>
          </EmptyBlock>
        </Card>
      </Stack>
    );
  }

  return (
    <Stack gap="md" data-testid="dashboard">
      <PageTitle>{t('dashboard.title')}</PageTitle>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
        <Card withBorder padding="md" data-testid="dashboard-total">
          <Text size="xs" c="dimmed" fw={600}>
            {t('dashboard.totalCustomers')}
          </Text>
          <Text fw={800} size="xl">
            {fmt.number(total)}
          </Text>
        </Card>
        {channels.slice(0, 3).map((channel, i) => (
          <Card withBorder padding="md" key={channel}>
            <Text size="xs" c="dimmed" fw={600}>
              {t('dashboard.withConsent')} · {t(`customers:channels.${channel}`)}
            </Text>
            <Text fw={800} size="xl">
              {consentReady ? fmt.number(consentValues[i] ?? 0) : '…'}
              {consentReady && total > 0 ? (
                <Text span size="sm" c="dimmed" fw={500}>
                  {' '}
                  ({Math.round(((consentValues[i] ?? 0) / total) * 100)}%)
                </Text>
              ) : null}
            </Text>
          </Card>
        ))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <BarChartCard
          title={t('dashboard.byStage')}
          labels={lifecycleStages.map((s) => t(`customers:stages.${s}`))}
          values={stageValues}
          ready={byStage.every((q) => q.isSuccess)}
          color="#4c6ef5"
          testId="chart-stages"
        />
        <BarChartCard
          title={t('dashboard.byConsent')}
          labels={channels.map((c) => t(`customers:channels.${c}`))}
          values={consentValues}
          ready={consentReady}
          color="#12b886"
          testId="chart-consent"
        />
      </SimpleGrid>
      <Card withBorder padding="md">
        <Group justify="space-between" mb="xs">
          <Text fw={700}>{t('dashboard.recent')}</Text>
          <Button component={Link} to="/customers" variant="subtle" size="compact-sm">
            {t('dashboard.allCustomers')}
          </Button>
        </Group>
        <Stack gap={0}>
          {recent.data.items.map((c) => (
            <Link
              key={c.id}
              to="/customers/$id"
              params={{ id: c.id }}
              className="customer-card"
              data-testid="recent-customer"
            >
              <Group justify="space-between" py={8} px={4} className="clickable-row" wrap="nowrap">
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Text fw={600} size="sm" truncate>
                    {customerName(c, i18n.language) || t('customers:customers.unnamed')}
                  </Text>
                  <Text size="xs" c="dimmed" className="ltr-value" truncate>
                    {[formatPhone(c.phone), c.email].filter(Boolean).join(' · ')}
                  </Text>
                </Stack>
                <Group gap="xs" wrap="nowrap">
                  <Text size="xs" c="dimmed" visibleFrom="xs">
                    {fmt.date(c.createdAt)}
                  </Text>
                  <StageBadge stage={c.lifecycleStage} />
                </Group>
              </Group>
            </Link>
          ))}
        </Stack>
      </Card>
      {cards.length > 0 ? (
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md" data-testid="dashboard-cards">
          {cards.map(({ id, Card: FeatureCard }) => (
            <FeatureCard key={id} />
          ))}
        </SimpleGrid>
      ) : null}
    </Stack>
  );
}

export const DashboardPage = withPermission('customers.read', Dashboard);
