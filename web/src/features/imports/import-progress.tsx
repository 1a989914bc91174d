import { Alert, Anchor, Badge, Button, Card, Group, Progress, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl } from '../../api.ts';
import { PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { DataTable } from '../../components/lists.tsx';
import { useFormat } from '../../format.ts';
import { type ImportStatus, importKeys, isFinished, useImportJob } from './imports-api.ts';

const statusColors: Record<ImportStatus, string> = {
  queued: 'gray',
  running: 'blue',
  completed: 'teal',
  failed: 'red',
};

export function StatusBadge({ status }: { status: ImportStatus }) {
  const { t } = useTranslation(['imports', 'dashboard']);
  return (
    <Badge color={statusColors[status] ?? 'gray'} variant="light" data-testid="import-status" data-status={status}>
      {t(`imports.statuses.${status}`)}
    </Badge>
  );
}

function Count({ label, value, color, testId }: { label: string; value: string; color?: string; testId: string }) {
  return (
    <Card withBorder padding="sm" data-testid={testId}>
      <Text size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text fw={700} size="xl" c={color ?? 'inherit'}>
        {value}
      </Text>
    </Card>
  );
}

export function ImportProgress({ id, onAgain }: { id: string; onAgain: () => void }) {
  const { t } = useTranslation(['imports', 'dashboard']);
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const job = useImportJob(id);
  const data = job.data;
  const finished = isFinished(data);

  useEffect(() => {
    // New customers and orders change every list and total in the app.
    if (finished) {
      void queryClient.invalidateQueries({ queryKey: ['customers'] });
      void queryClient.invalidateQueries({ queryKey: ['tags'] });
      void queryClient.invalidateQueries({ queryKey: importKeys.list });
    }
  }, [finished, queryClient]);

  if (job.isPending) return <PageLoader />;
  if (job.isError) return <QueryError error={job.error} onRetry={() => void job.refetch()} />;
  if (!data) return null;

  const total = data.totalRows || 0;
  const percent = total > 0 ? Math.min(100, Math.round((data.processedRows / total) * 100)) : finished ? 100 : 0;
  const errors = data.errors ?? [];

  return (
    <Card withBorder padding="md" data-testid="import-result" data-status={data.status}>
      <Stack gap="md">
        <Group justify="space-between">
          {/* A status message (WCAG 4.1.3): a screen reader hears "completed" without moving to it. */}
          <Group gap="xs" role="status">
            <Icon name="file" size={18} />
            <Text fw={700}>{data.filename}</Text>
            <StatusBadge status={data.status} />
          </Group>
          <Text size="sm" c="dimmed">
            {t('imports.processed', { processed: fmt.number(data.processedRows ?? 0), total: fmt.number(total) })}
          </Text>
        </Group>
        <Progress
          value={percent}
          size="lg"
          striped={!finished}
          animated={!finished}
          color={data.status === 'failed' ? 'red' : finished ? 'teal' : 'indigo'}
          data-testid="import-progress"
          data-value={percent}
          aria-label={t('imports.progress')}
        />
        {data.status === 'failed' ? (
          <Alert color="red" variant="light" title={t('imports.failure')} data-testid="import-failure">
            {data.failure}
          </Alert>
        ) : null}
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" data-testid="import-summary">
          <Count
            label={t('imports.inserted')}
            value={fmt.number(data.insertedRows ?? 0)}
            color="teal"
            testId="import-inserted"
          />
          <Count
            label={t('imports.updated')}
            value={fmt.number(data.updatedRows ?? 0)}
            color="indigo"
            testId="import-updated"
          />
          <Count label={t('imports.unchanged')} value={fmt.number(data.unchangedRows ?? 0)} testId="import-unchanged" />
          <Count
            label={t('imports.errors')}
            value={fmt.number(data.errorRows ?? 0)}
            color={(data.errorRows ?? 0) > 0 ? 'red' : 'inherit'}
            testId="import-error-count"
          />
        </SimpleGrid>
        {errors.length > 0 ? (
          <Stack gap="xs">
            <Group justify="space-between">
              <Text fw={700}>{t('imports.errorTable')}</Text>
              <Anchor href={apiUrl(`/imports/${data.id}/errors.csv`)} download data-testid="import-errors-download">
                <Group gap={4}>
                  <Icon name="download" size={16} />
                  {t('imports.downloadErrors')}
                </Group>
              </Anchor>
            </Group>
            <DataTable
              minWidth={480}
              maxHeight={360}
              striped
              withTableBorder
              fz="sm"
              data-testid="import-errors"
              stickyHeader
              columns={[
                { label: t('imports.row'), w: 80 },
                { label: t('imports.column'), w: 180 },
                t('imports.reason'),
              ]}
            >
              {errors.slice(0, 500).map((e) => (
                <Table.Tr key={`${e.row}:${e.column ?? ''}:${e.reason}`} data-testid="import-error-row">
                  <Table.Td>{e.row}</Table.Td>
                  <Table.Td>{e.column ?? '—'}</Table.Td>
                  <Table.Td>{e.reason}</Table.Td>
                </Table.Tr>
              ))}
            </DataTable>
          </Stack>
        ) : null}
        {finished ? (
          <Group justify="flex-end">
            {data.kind === 'customers' && data.status === 'completed' ? (
              <Button component={Link} to="/customers" variant="light">
                {t('dashboard:dashboard.allCustomers')}
              </Button>
            ) : null}
            <Button onClick={onAgain} data-testid="import-again">
              {t('imports.again')}
            </Button>
          </Group>
        ) : null}
      </Stack>
    </Card>
  );
}
