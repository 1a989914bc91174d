import { Button, Card, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DataTable, ListStatus } from '../../components/lists.tsx';
import { useFormat } from '../../format.ts';
import { StatusBadge } from './import-progress.tsx';
import { useImportList } from './imports-api.ts';

/** The imports run before, newest first; one of them can be opened again. */
export function PastImports({ onOpen, currentId }: { onOpen: (id: string) => void; currentId: string | null }) {
  const { t } = useTranslation('imports');
  const fmt = useFormat();
  const list = useImportList();
  const items = list.data?.items ?? [];
  return (
    <Card withBorder padding="md" data-testid="import-history">
      <Text fw={700} mb="sm">
        {t('imports.history')}
      </Text>
      <ListStatus
        query={list}
        loader={false}
        isEmpty={Boolean(list.data) && items.length === 0}
        empty={t('imports.noHistory')}
      />
      {items.length > 0 ? (
        <DataTable
          minWidth={560}
          verticalSpacing={6}
          columns={[
            t('imports.filename'),
            t('imports.kindColumn'),
            t('imports.createdAt'),
            t('imports.status'),
            { label: t('imports.inserted'), ta: 'end' },
            { label: t('imports.errors'), ta: 'end' },
            '',
          ]}
        >
          {items.map((job) => (
            <Table.Tr
              key={job.id}
              data-testid="import-history-row"
              {...(job.id === currentId ? { bg: 'indigo.0' } : {})}
            >
              <Table.Td>
                <Text size="sm" truncate maw={220}>
                  {job.filename}
                </Text>
              </Table.Td>
              <Table.Td>{t(`imports.kinds.${job.kind}`)}</Table.Td>
              <Table.Td>{fmt.dateTime(job.createdAt)}</Table.Td>
              <Table.Td>
                <StatusBadge status={job.status} />
              </Table.Td>
              <Table.Td ta="end">{fmt.number(job.insertedRows ?? 0)}</Table.Td>
              <Table.Td ta="end">{fmt.number(job.errorRows ?? 0)}</Table.Td>
              <Table.Td>
                <Button size="compact-xs" variant="subtle" onClick={() => onOpen(job.id)}>
                  {t('imports.view')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </DataTable>
      ) : null}
    </Card>
  );
}
