import { Anchor, Badge, Button, Card, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { DataTable, ListStatus, LoadMore } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useCan } from '../../session.ts';
import { type Contest, useContests } from './contests-api.ts';
import { ContestCreateModal } from './contests-create-modal.tsx';
import { ContestLawNotice } from './contests-notice.tsx';
import { useProgram } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';

const statusColor: Record<Contest['status'], string> = { draft: 'gray', open: 'teal', closed: 'yellow', drawn: 'blue' };

/** A contest's state as a badge. */
export function ContestStatusBadge({ status }: { status: Contest['status'] }) {
  const { t } = useTranslation('loyalty');
  return (
    <Badge color={statusColor[status]} variant="light" data-testid="contest-status">
      {t(`contests.statuses.${status}`)}
    </Badge>
  );
}

function Contests() {
  const { t, i18n } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const can = useCan();
  const manage = can('loyalty.manage');
  const [opened, setOpened] = useState(false);
  const contests = useContests();
  const program = useProgram();
  const items = contests.data?.pages.flatMap((p) => p.items) ?? [];
  const end = (label: string) => ({ label, ta: 'end' as const });
  return (
    <Stack gap="md" data-testid="loyalty-contests">
      <Anchor component={Link} to="/loyalty" size="sm">
        {i18n.dir() === 'rtl' ? '→' : '←'} {t('contests.back')}
      </Anchor>
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4}>
          <PageTitle>{t('contests.title')}</PageTitle>
          <Text c="dimmed" size="sm" maw={640}>
            {t('contests.intro')}
          </Text>
        </Stack>
        {manage ? (
          <Button
            leftSection={<Icon name="plus" size={18} />}
            onClick={() => setOpened(true)}
            data-testid="contest-new"
          >
            {t('contests.new')}
          </Button>
        ) : null}
      </Group>
      <ContestLawNotice />
      <ListStatus
        query={contests}
        isEmpty={contests.isSuccess && items.length === 0}
        empty={
          <Card withBorder>
            <EmptyBlock
              title={t('contests.empty')}
              text={manage ? t('contests.emptyText') : t('contests.emptyTextRead')}
              testId="contests-empty"
            />
          </Card>
        }
      />
      {items.length > 0 ? (
        <Card withBorder padding={0}>
          <DataTable
            columns={[
              t('contests.name'),
              t('contests.kind'),
              t('contests.prize'),
              t('contests.dates'),
              end(t('contests.entries')),
              end(t('contests.winners')),
              t('contests.status'),
            ]}
            minWidth={820}
            verticalSpacing="sm"
            highlightOnHover
            data-testid="contests-table"
          >
            {items.map((contest) => (
              <Table.Tr key={contest.id} data-testid="contest-row">
                <Table.Td>
                  <Anchor
                    size="sm"
                    fw={600}
                    renderRoot={(props) => <Link {...props} to="/loyalty/contests/$id" params={{ id: contest.id }} />}
                    data-testid="contest-open"
                  >
                    {contest.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{t(`contests.kinds.${contest.kind}`)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={2} maw={220}>
                    {contest.prize}
                  </Text>
                </Table.Td>
                <Table.Td className="nowrap">
                  <Text size="sm">
                    {t('contests.dateRange', { from: lf.date(contest.opensAt), to: lf.date(contest.closesAt) })}
                  </Text>
                </Table.Td>
                <Table.Td ta="end">
                  <Text component="span" size="sm">
                    {contest.kind === 'draw' && contest.entryCostPoints === 0
                      ? lf.number(contest.result?.entrantsCount ?? 0)
                      : lf.number(contest.entriesCount)}
                  </Text>
                </Table.Td>
                <Table.Td ta="end">
                  <Text component="span" size="sm">
                    {lf.number(contest.winnersCount)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <ContestStatusBadge status={contest.status} />
                </Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        </Card>
      ) : null}
      <LoadMore query={contests} testId="contests-more" label={t('contests.loadMore')} />
      {manage ? (
        <ContestCreateModal opened={opened} tiers={program.data?.tiers ?? []} onClose={() => setOpened(false)} />
      ) : null}
    </Stack>
  );
}

/** The club's contests: draws and skill contests, and (for loyalty.manage) setting one up. */
export const LoyaltyContestsPage = withPermission('loyalty.read', Contests);
