import { Anchor, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api.ts';
import { QueryError } from '../../components/errors.tsx';
import { DataTable, ListStatus, LoadMore } from '../../components/lists.tsx';
import { formatPhone, useFormat } from '../../format.ts';
import { StageBadge } from '../customers/customer-badges.tsx';
import { lifecycleStages } from '../customers/customers-api.ts';
import { type SegmentCustomer, type SegmentPreview, useSegmentMembers } from './segments-api.ts';

const isStage = (value: string) => lifecycleStages.find((s) => s === value);

/** Customers in a table: the name links to the customer's page; a phone scrolls the table inside its frame. */
function CustomerTable({ items, testId }: { items: SegmentCustomer[]; testId: string }) {
  const { t } = useTranslation('segments');
  return (
    <DataTable
      minWidth={560}
      verticalSpacing="xs"
      data-testid={testId}
      columns={[
        t('preview.columns.name'),
        t('preview.columns.email'),
        t('preview.columns.phone'),
        t('preview.columns.stage'),
      ]}
    >
      {items.map((c) => {
        const stage = isStage(c.lifecycleStage);
        const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
        return (
          <Table.Tr key={c.id} data-testid="segment-customer" data-customer-id={c.id}>
            <Table.Td>
              <Anchor
                size="sm"
                fw={600}
                renderRoot={(props) => <Link {...props} to="/customers/$id" params={{ id: c.id }} />}
              >
                {/* A name keeps its own direction in either language. */}
                <span dir="auto">{name || t('members.unnamed')}</span>
              </Anchor>
            </Table.Td>
            <Table.Td>
              <Text size="sm" className="ltr-value" truncate maw={220}>
                {c.email}
              </Text>
            </Table.Td>
            <Table.Td className="nowrap">
              <span className="ltr-value">{formatPhone(c.phone)}</span>
            </Table.Td>
            <Table.Td>{stage ? <StageBadge stage={stage} /> : c.lifecycleStage}</Table.Td>
          </Table.Tr>
        );
      })}
    </DataTable>
  );
}

/** Customers as short lines, for the narrow preview: the name (a link to the customer's page) and how to reach her. */
function CustomerLines({ items }: { items: SegmentCustomer[] }) {
  const { t } = useTranslation('segments');
  return (
    <Stack gap={0} component="ul" m={0} p={0} style={{ listStyle: 'none' }} data-testid="preview-list">
      {items.map((c) => {
        const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
        const contact = c.email ?? formatPhone(c.phone);
        return (
          <li
            key={c.id}
            data-testid="segment-customer"
            data-customer-id={c.id}
            style={{ padding: '6px 0', borderTop: '1px solid var(--mantine-color-gray-2)', minWidth: 0 }}
          >
            <Anchor
              size="sm"
              fw={600}
              renderRoot={(props) => <Link {...props} to="/customers/$id" params={{ id: c.id }} />}
            >
              <span dir="auto">{name || t('members.unnamed')}</span>
            </Anchor>
            {contact ? (
              <Text size="xs" c="dimmed" truncate>
                <span className="ltr-value">{contact}</span>
              </Text>
            ) : null}
          </li>
        );
      })}
    </Stack>
  );
}

type PreviewQuery = {
  data: SegmentPreview | undefined;
  error: unknown;
  isError: boolean;
  isFetching: boolean;
  refetch: () => unknown;
};

/**
 * The live count of the rules as they are on screen, and the newest customers they match. The count is a status
 * message (WCAG 4.1.3): a screen reader says it, politely, each time it changes, without moving the focus.
 */
export function PreviewCard({ preview, partial }: { preview: PreviewQuery; partial: boolean }) {
  const { t } = useTranslation('segments');
  const fmt = useFormat();
  const invalid = preview.isError && isApiError(preview.error) && preview.error.status === 400;
  const count = preview.data?.count;
  const sentence = invalid
    ? t('preview.invalid')
    : count === undefined
      ? t('preview.counting')
      : t('preview.count', { count, n: fmt.number(count) });
  const customers = preview.data?.customers ?? [];
  return (
    <Card withBorder data-testid="segment-preview">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('preview.title')}
        </Title>
        <Stack gap={2}>
          <Group gap="xs" wrap="nowrap" align="center">
            <Text
              size="xl"
              fw={700}
              role="status"
              aria-live="polite"
              aria-atomic="true"
              {...(invalid ? { c: 'red.8' } : {})}
              data-testid="segment-count"
              data-count={invalid || count === undefined ? undefined : count}
              data-fetching={preview.isFetching ? 'true' : undefined}
            >
              {sentence}
            </Text>
            {/* Outside the status, so that a new answer is said once, not each time the loader comes and goes. */}
            {preview.isFetching ? <Loader size="xs" aria-hidden="true" /> : null}
          </Group>
          {partial ? (
            <Text size="xs" c="dimmed" data-testid="preview-partial">
              {t('preview.partial')}
            </Text>
          ) : null}
        </Stack>
        {preview.isError && !invalid ? (
          <QueryError error={preview.error} onRetry={() => void preview.refetch()} />
        ) : null}
        {!invalid && count === 0 ? (
          <Text size="sm" c="dimmed">
            {t('preview.none')}
          </Text>
        ) : null}
        {!invalid && customers.length > 0 ? (
          <>
            <Text size="sm" fw={600}>
              {t('preview.first')}
            </Text>
            <CustomerLines items={customers} />
          </>
        ) : null}
      </Stack>
    </Card>
  );
}

/** A saved segment's members as of its last refresh, a page at a time, each linking to the customer's page. */
export function MembersCard({ segmentId }: { segmentId: string }) {
  const { t } = useTranslation('segments');
  const members = useSegmentMembers(segmentId);
  const items = (members.data?.pages ?? []).flatMap((p) => p.items);
  return (
    <Card withBorder data-testid="segment-members">
      <Stack gap="sm">
        <Stack gap={2}>
          <Title order={2} size="h4">
            {t('members.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('members.intro')}
          </Text>
        </Stack>
        <ListStatus query={members} isEmpty={members.isSuccess && items.length === 0} empty={t('members.empty')} />
        {items.length > 0 ? <CustomerTable items={items} testId="members-table" /> : null}
        <LoadMore query={members} testId="members-more" />
      </Stack>
    </Card>
  );
}
