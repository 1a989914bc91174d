import {
  Alert,
  Badge,
  Button,
  Card,
  FileInput,
  Group,
  NativeSelect,
  SimpleGrid,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { FormAlert } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { DataTable } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useFormat } from '../../format.ts';
import { PastImports } from './import-history.tsx';
import { initialMapping, MappingTable } from './import-mapping.tsx';
import { ImportProgress } from './import-progress.tsx';
import {
  type ImportKind,
  type ImportMapping,
  type ImportPreview,
  importKeys,
  previewImport,
  startImport,
} from './imports-api.ts';

function SampleRows({ preview }: { preview: ImportPreview }) {
  const { t } = useTranslation('imports');
  if (preview.sampleRows.length === 0) return null;
  return (
    <Stack gap={4}>
      <Text fw={600} size="sm">
        {t('imports.sample')}
      </Text>
      <DataTable
        minWidth={Math.max(400, preview.headers.length * 120)}
        striped
        withTableBorder
        fz="xs"
        data-testid="import-sample"
        columns={preview.headers}
      >
        {preview.sampleRows.slice(0, 5).map((row, i) => (
          // Sample rows have no identity of their own; their order never changes.
          // biome-ignore lint/suspicious/noArrayIndexKey: static preview rows
          <Table.Tr key={i}>
            {preview.headers.map((h, j) => (
              <Table.Td key={h}>{row[j] ?? ''}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </DataTable>
    </Stack>
  );
}

function ImportWizard() {
  const { t } = useTranslation(['imports', 'shell']);
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<ImportKind>('customers');
  const [file, setFile] = useState<File | null>(null);
  const [mapping, setMapping] = useState<ImportMapping>({});
  const [jobId, setJobId] = useState<string | null>(null);

  const preview = useMutation({
    mutationFn: ({ f, k }: { f: File; k: ImportKind }) => previewImport(f, k),
    onSuccess: (p, { k }) => setMapping(initialMapping(p, k)),
  });
  const start = useMutation({
    mutationFn: () => {
      if (!file) throw new Error(t('imports.needFile'));
      // A fixed value left empty says nothing: the field is not imported.
      const given = Object.fromEntries(
        Object.entries(mapping).filter(([, source]) => typeof source === 'string' || source.value.trim() !== ''),
      );
      return startImport(file, kind, given);
    },
    onSuccess: (res) => {
      setJobId(res.id);
      void queryClient.invalidateQueries({ queryKey: importKeys.list });
    },
  });

  const chooseFile = (f: File | null) => {
    setFile(f);
    setJobId(null);
    start.reset();
    preview.reset();
    if (f) preview.mutate({ f, k: kind });
  };
  const chooseKind = (k: ImportKind) => {
    setKind(k);
    if (file) preview.mutate({ f: file, k });
  };
  const restart = () => {
    setFile(null);
    setJobId(null);
    setMapping({});
    preview.reset();
    start.reset();
  };

  return (
    <Stack gap="md">
      <Stack gap={2}>
        <PageTitle>{t('imports.title')}</PageTitle>
        <Text c="dimmed">{t('imports.intro')}</Text>
      </Stack>
      {jobId ? (
        <ImportProgress id={jobId} onAgain={restart} />
      ) : (
        <Card withBorder padding="md">
          <Stack gap="md">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <NativeSelect
                label={t('imports.kind')}
                value={kind}
                onChange={(e) => chooseKind(e.currentTarget.value === 'orders' ? 'orders' : 'customers')}
                data={[
                  { value: 'customers', label: t('imports.kinds.customers') },
                  { value: 'orders', label: t('imports.kinds.orders') },
                ]}
                data-testid="import-kind"
              />
              <FileInput
                label={t('imports.file')}
                placeholder={t('imports.filePlaceholder')}
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                value={file}
                onChange={chooseFile}
                clearable
                leftSection={<Icon name="file" size={18} />}
                fileInputProps={{ 'data-testid': 'import-file' } as React.ComponentProps<'input'>}
                data-testid="import-file-button"
              />
            </SimpleGrid>
            {preview.isPending ? (
              <Text size="sm" c="dimmed">
                {t('shell:app.loading')}
              </Text>
            ) : null}
            <FormAlert error={preview.error} testId="import-preview-error" />
            {preview.data ? (
              <Stack gap="md" data-testid="import-preview">
                <Group gap="xs">
                  <Badge variant="light">
                    {t(preview.data.totalRowsEstimated ? 'imports.rowsAbout' : 'imports.rows', {
                      count: preview.data.totalRows,
                      n: fmt.number(preview.data.totalRows),
                    })}
                  </Badge>
                  <Badge variant="light" color="gray">
                    {t('imports.encoding', { encoding: preview.data.encoding })}
                  </Badge>
                  <Text size="sm" c="dimmed">
                    {file?.name}
                  </Text>
                </Group>
                <Stack gap={4}>
                  <Text fw={700}>{t('imports.mapping')}</Text>
                  <Text size="sm" c="dimmed">
                    {t('imports.mappingHelp')}
                  </Text>
                </Stack>
                <MappingTable preview={preview.data} kind={kind} mapping={mapping} onChange={setMapping} />
                <SampleRows preview={preview.data} />
                <FormAlert error={start.error} testId="import-start-error" />
                {Object.keys(mapping).length === 0 ? (
                  <Alert color="yellow" variant="light">
                    {t('imports.mappingHelp')}
                  </Alert>
                ) : null}
                <Group justify="flex-end">
                  <Button
                    size="md"
                    leftSection={<Icon name="upload" size={18} />}
                    onClick={() => start.mutate()}
                    loading={start.isPending}
                    disabled={Object.keys(mapping).length === 0}
                    data-testid="import-start"
                  >
                    {t('imports.start')} ({preview.data.totalRowsEstimated ? '~' : ''}
                    {fmt.number(preview.data.totalRows)})
                  </Button>
                </Group>
              </Stack>
            ) : null}
          </Stack>
        </Card>
      )}
      <PastImports onOpen={setJobId} currentId={jobId} />
    </Stack>
  );
}

export const ImportPage = withPermission('imports.run', ImportWizard);
