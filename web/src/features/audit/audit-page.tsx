import { Anchor, Badge, Card, Select, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { auditEntrySchema, auditPageSchema } from '../../../../src/platform/platform.schemas.ts';
import { api, type Reply } from '../../api.ts';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock, PageLoader, QueryError } from '../../components/errors.tsx';
import { DataTable, LoadMore } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useFormat } from '../../format.ts';
import { isKeyOf } from '../../i18n/keys.ts';
import { auditEn } from './audit.en.ts';

type AuditEntry = Reply<typeof auditEntrySchema>;
type AuditPage = Reply<typeof auditPageSchema>;

const entityTypes = ['customer', 'order', 'product', 'import', 'user', 'invitation', 'api_key', 'workspace'] as const;

// Bookkeeping fields that change with everything and tell the reader nothing.
const quiet = new Set(['updatedAt', 'updated_at', 'searchText', 'search_text', 'id', 'workspaceId']);
// What a creation is shown with: who or what was created, not every default it got.
const identifying = new Set(['firstName', 'lastName', 'name', 'email', 'phone', 'role', 'externalId', 'sku', 'total']);

type Change = { field: string; before: unknown; after: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What an entry changed: the fields that differ between its before and after
 * records (a merge compares the survivor before with the result), or, for a
 * creation, the fields it was created with.
 */
export function changesOf(entry: Pick<AuditEntry, 'before' | 'after'>): Change[] {
  const raw = isRecord(entry.before) && isRecord(entry.before.survivor) ? entry.before.survivor : entry.before;
  const after = isRecord(entry.after) ? entry.after : {};
  const before = isRecord(raw) ? raw : null;
  const fields = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].filter((f) => !quiet.has(f));
  return fields
    .map((field) => ({ field, before: before ? before[field] : undefined, after: after[field] }))
    .filter((c) => (before ? shown(c.before) !== shown(c.after) : identifying.has(c.field) && shown(c.after) !== '—'));
}

function shown(value: unknown): string {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return '—';
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** A value in its own direction: Hebrew right to left, phones, emails and numbers left to right. */
function Value({ value }: { value: unknown }) {
  const text = shown(value);
  return <bdi dir={/[\u0590-\u05FF]/.test(text) ? 'rtl' : 'ltr'}>{text}</bdi>;
}

function ChangesCell({ entry }: { entry: AuditEntry }) {
  const { t, i18n } = useTranslation('audit');
  const changes = changesOf(entry);
  const arrow = i18n.dir() === 'rtl' ? '←' : '→';
  if (changes.length === 0)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Stack gap={2}>
      {changes.slice(0, 3).map((c) => (
        <Text size="sm" key={c.field}>
          <Text span fw={500}>
            {isKeyOf(auditEn.audit.fields, c.field) ? t(`audit.fields.${c.field}`) : c.field}:
          </Text>{' '}
          {isRecord(entry.before) ? (
            <>
              <Value value={c.before} /> {arrow} <Value value={c.after} />
            </>
          ) : (
            <Value value={c.after} />
          )}
        </Text>
      ))}
      {changes.length > 3 ? (
        <Text size="xs" c="dimmed">
          {t('audit.more', { count: changes.length - 3 })}
        </Text>
      ) : null}
    </Stack>
  );
}

function AuditLog() {
  const { t } = useTranslation('audit');
  const fmt = useFormat();
  const [entityType, setEntityType] = useState<string | null>(null);
  const log = useInfiniteQuery({
    queryKey: ['audit', entityType],
    queryFn: ({ pageParam }) =>
      api<AuditPage>('/audit', { query: { limit: 50, cursor: pageParam, entityType: entityType ?? undefined } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack gap="md">
      <PageTitle>{t('audit.title')}</PageTitle>
      <Text c="dimmed" size="sm">
        {t('audit.intro')}
      </Text>
      <Select
        label={t('audit.filter')}
        data={entityTypes.map((type) => ({ value: type, label: t(`audit.entities.${type}`) }))}
        value={entityType}
        onChange={setEntityType}
        placeholder={t('audit.all')}
        clearable
        maw={280}
        data-testid="audit-filter"
      />
      {log.isPending ? (
        <PageLoader />
      ) : log.isError ? (
        <QueryError error={log.error} onRetry={() => void log.refetch()} />
      ) : entries.length === 0 ? (
        <Card withBorder>
          <EmptyBlock title={t('audit.empty')} text={t('audit.emptyText')} testId="audit-empty" />
        </Card>
      ) : (
        <Card withBorder padding={0}>
          <DataTable
            minWidth={720}
            verticalSpacing="sm"
            highlightOnHover
            data-testid="audit-table"
            columns={[t('audit.when'), t('audit.who'), t('audit.what'), t('audit.record'), t('audit.changes')]}
          >
            {entries.map((entry) => (
              <Table.Tr key={entry.id} data-testid="audit-row">
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(entry.at)}</Table.Td>
                <Table.Td>
                  <Text size="sm">{entry.actorName === 'system' ? t('audit.system') : (entry.actorName ?? '—')}</Text>
                  {entry.actorType === 'api_key' ? (
                    <Badge size="xs" variant="light">
                      {t('audit.apiKey')}
                    </Badge>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  {isKeyOf(auditEn.audit.actions, entry.action) ? t(`audit.actions.${entry.action}`) : entry.action}
                </Table.Td>
                <Table.Td>
                  {entry.entityType === 'customer' && entry.entityId ? (
                    <Anchor
                      size="sm"
                      renderRoot={(props) => (
                        <Link {...props} to="/customers/$id" params={{ id: entry.entityId as string }} />
                      )}
                    >
                      {t('audit.entities.customer')}
                    </Anchor>
                  ) : (
                    <Text size="sm">
                      {isKeyOf(auditEn.audit.entities, entry.entityType)
                        ? t(`audit.entities.${entry.entityType}`)
                        : entry.entityType}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <ChangesCell entry={entry} />
                </Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        </Card>
      )}
      <LoadMore query={log} testId="audit-more" label={t('audit.loadMore')} />
    </Stack>
  );
}

export const AuditPage = withPermission('audit.read', AuditLog);
