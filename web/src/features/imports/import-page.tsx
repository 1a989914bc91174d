import {
  Alert,
  Badge,
  Button,
  Card,
  FileInput,
  Group,
  NativeSelect,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RequirePermission } from '../../components/app-layout.tsx';
import { FormAlert, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useFormat } from '../../format.ts';
import { isKeyOf } from '../../i18n/keys.ts';
import { commerceEn } from '../commerce/commerce.en.ts';
import { ImportProgress, StatusBadge } from './import-progress.tsx';
import { importsEn } from './imports.en.ts';
import {
  fieldsOf,
  fixedChannels,
  type ImportKind,
  type ImportMapping,
  type ImportPreview,
  importKeys,
  isFixedValueField,
  previewImport,
  startImport,
  suggestedMappingOf,
  useImportList,
} from './imports-api.ts';

/** The column choice that means "one value for every row" (no header is named so). */
const FIXED = '\u0000fixed-value';

/** The import screens' words: their own, the order fields' (commerce) and the shell's. */
const importNamespaces = ['imports', 'commerce', 'shell'] as const;
type ImportT = TFunction<typeof importNamespaces>;

function fieldLabel(t: ImportT, kind: ImportKind, field: string): string {
  if (kind === 'orders' && field === 'externalId') return t('imports.fields.orderExternalId');
  if (isKeyOf(importsEn.imports.fields, field)) return t(`imports.fields.${field}`);
  if (isKeyOf(commerceEn.orderDetails.fields, field)) return t(`commerce:orderDetails.fields.${field}`);
  return field;
}

function initialMapping(preview: ImportPreview, kind: ImportKind): ImportMapping {
  const mapping: ImportMapping = {};
  const suggested = suggestedMappingOf(preview);
  for (const field of fieldsOf(kind)) {
    const source = suggested[field];
    if (typeof source === 'string' && preview.headers.includes(source)) mapping[field] = source;
    else if (typeof source === 'object' && isFixedValueField(field)) mapping[field] = source;
  }
  return mapping;
}

/** The value every row takes: a channel from Klient's list, or a branch, currency or home branch as typed. */
function FixedValueInput({
  kind,
  field,
  value,
  onChange,
}: {
  kind: ImportKind;
  field: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation(importNamespaces);
  const label = t('commerce:orderDetails.fixedValueFor', { field: fieldLabel(t, kind, field) });
  if (field === 'channel') {
    return (
      <NativeSelect
        aria-label={label}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        data={fixedChannels.map((c) => ({ value: c, label: t(`commerce:orderChannels.${c}`) }))}
        size="sm"
        data-testid={`mapping-${field}-value`}
      />
    );
  }
  return (
    <TextInput
      aria-label={label}
      value={value}
      placeholder={t('commerce:orderDetails.fixedValuePlaceholder')}
      onChange={(e) => onChange(field === 'currency' ? e.currentTarget.value.toUpperCase() : e.currentTarget.value)}
      maxLength={field === 'currency' ? 3 : 100}
      size="sm"
      data-testid={`mapping-${field}-value`}
    />
  );
}

function MappingTable({
  preview,
  kind,
  mapping,
  onChange,
}: {
  preview: ImportPreview;
  kind: ImportKind;
  mapping: ImportMapping;
  onChange: (m: ImportMapping) => void;
}) {
  const { t } = useTranslation(importNamespaces);
  const headerOptions = preview.headers.map((h) => ({ value: h, label: h }));
  const withFixed = [...headerOptions, { value: FIXED, label: t('commerce:orderDetails.fixedValue') }];
  return (
    <Table verticalSpacing={6} data-testid="import-mapping">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('imports.field')}</Table.Th>
          <Table.Th>{t('imports.column')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {fieldsOf(kind).map((field) => {
          const source = mapping[field];
          const fixed = typeof source === 'object' ? source : null;
          const set = (value: ImportMapping[string] | null) => {
            const next = { ...mapping };
            if (value) next[field] = value;
            else delete next[field];
            onChange(next);
          };
          return (
            <Table.Tr key={field} data-testid="mapping-row" data-field={field}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {fieldLabel(t, kind, field)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap" grow>
                  <Select
                    aria-label={fieldLabel(t, kind, field)}
                    data={isFixedValueField(field) ? withFixed : headerOptions}
                    value={typeof source === 'string' ? source : fixed ? FIXED : null}
                    placeholder={t('imports.notMapped')}
                    onChange={(v) =>
                      // A web shop's export is the usual file without a channel column: web comes first.
                      set(v === FIXED ? { value: field === 'channel' ? 'web' : '' } : typeof v === 'string' ? v : null)
                    }
                    clearable
                    searchable
                    size="sm"
                    data-testid={`mapping-${field}`}
                  />
                  {fixed ? (
                    <FixedValueInput
                      kind={kind}
                      field={field}
                      value={fixed.value}
                      onChange={(value) => set({ value })}
                    />
                  ) : null}
                </Group>
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

function SampleRows({ preview }: { preview: ImportPreview }) {
  const { t } = useTranslation(importNamespaces);
  if (preview.sampleRows.length === 0) return null;
  return (
    <Stack gap={4}>
      <Text fw={600} size="sm">
        {t('imports.sample')}
      </Text>
      <Table.ScrollContainer minWidth={Math.max(400, preview.headers.length * 120)}>
        <Table striped withTableBorder fz="xs" data-testid="import-sample">
          <Table.Thead>
            <Table.Tr>
              {preview.headers.map((h) => (
                <Table.Th key={h}>{h}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.sampleRows.slice(0, 5).map((row, i) => (
              // Sample rows have no identity of their own; their order never changes.
              // biome-ignore lint/suspicious/noArrayIndexKey: static preview rows
              <Table.Tr key={i}>
                {preview.headers.map((h, j) => (
                  <Table.Td key={h}>{row[j] ?? ''}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

function PastImports({ onOpen, currentId }: { onOpen: (id: string) => void; currentId: string | null }) {
  const { t } = useTranslation(importNamespaces);
  const fmt = useFormat();
  const list = useImportList();
  const items = list.data?.items ?? [];
  return (
    <Card withBorder padding="md" data-testid="import-history">
      <Text fw={700} mb="sm">
        {t('imports.history')}
      </Text>
      {list.isError ? <QueryError error={list.error} onRetry={() => void list.refetch()} /> : null}
      {list.data && items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('imports.noHistory')}
        </Text>
      ) : null}
      {items.length > 0 ? (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('imports.filename')}</Table.Th>
                <Table.Th>{t('imports.kindColumn')}</Table.Th>
                <Table.Th>{t('imports.createdAt')}</Table.Th>
                <Table.Th>{t('imports.status')}</Table.Th>
                <Table.Th ta="end">{t('imports.inserted')}</Table.Th>
                <Table.Th ta="end">{t('imports.errors')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
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
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
    </Card>
  );
}

function ImportWizard() {
  const { t } = useTranslation(importNamespaces);
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

export function ImportPage() {
  return (
    <RequirePermission permission="imports.run">
      <ImportWizard />
    </RequirePermission>
  );
}
