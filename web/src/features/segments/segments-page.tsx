import { Anchor, Button, Card, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { DataTable, ListStatus } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { useSegments } from './segments-api.ts';

function NewButton({ variant }: { variant?: 'filled' | 'light' }) {
  const { t } = useTranslation('segments');
  return (
    <Button
      component={Link}
      to="/segments/new"
      variant={variant ?? 'filled'}
      leftSection={<Icon name="plus" size={18} />}
      data-testid="segment-new-button"
    >
      {t('list.new')}
    </Button>
  );
}

function Segments() {
  const { t } = useTranslation('segments');
  const fmt = useFormat();
  const can = useCan();
  const manage = can('segments.manage');
  const segments = useSegments();
  const items = segments.data?.items ?? [];
  return (
    <Stack gap="md" data-testid="segments-list">
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4}>
          <PageTitle>{t('list.title')}</PageTitle>
          <Text c="dimmed" size="sm" maw={640}>
            {t('list.intro')}
          </Text>
        </Stack>
        {manage && items.length > 0 ? <NewButton /> : null}
      </Group>
      <ListStatus
        query={segments}
        isEmpty={segments.isSuccess && items.length === 0}
        empty={
          <Card withBorder>
            <EmptyBlock
              title={t('list.emptyTitle')}
              text={manage ? t('list.emptyText') : t('list.emptyTextRead')}
              testId="segments-empty"
            >
              {manage ? <NewButton /> : null}
            </EmptyBlock>
          </Card>
        }
      />
      {items.length > 0 ? (
        <Card withBorder padding={0}>
          <DataTable
            columns={[
              t('list.columns.name'),
              { label: t('list.columns.customers'), ta: 'end' },
              t('list.columns.schedule'),
              t('list.columns.refreshed'),
            ]}
            minWidth={600}
            verticalSpacing="sm"
            data-testid="segments-table"
          >
            {items.map((segment) => (
              <Table.Tr key={segment.id} data-testid="segment-row" data-segment-id={segment.id}>
                <Table.Td>
                  <Anchor
                    renderRoot={(props) => <Link {...props} to="/segments/$id" params={{ id: segment.id }} />}
                    fw={600}
                    size="sm"
                    data-testid="segment-open"
                  >
                    <span dir="auto">{segment.name}</span>
                  </Anchor>
                  {segment.description ? (
                    <Text size="xs" c="dimmed" lineClamp={2} maw={420}>
                      <span dir="auto">{segment.description}</span>
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td ta="end" className="nowrap" data-testid="segment-row-count">
                  {fmt.number(segment.customerCount)}
                </Table.Td>
                <Table.Td className="nowrap">{t(`schedules.${segment.schedule}`)}</Table.Td>
                <Table.Td className="nowrap">
                  {segment.refreshedAt ? fmt.dateTime(String(segment.refreshedAt)) : t('list.never')}
                </Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        </Card>
      ) : null}
    </Stack>
  );
}

/** The saved segments: each one's size, how it is kept up to date and when it last was; a way to make a new one. */
export const SegmentsPage = withPermission('segments.read', Segments);
