import { Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { DataTable, ListStatus, LoadMore } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { customerName, formatPhone, useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { ConductBadge, StageBadge, TagList } from './customer-badges.tsx';
import { CustomerFormModal } from './customer-form-modal.tsx';
import { type CustomerSearch, type CustomerSort, customerSorts } from './customer-search.ts';
import {
  type Channel,
  type Customer,
  channels,
  type LifecycleStage,
  lifecycleStages,
  useBranches,
  useCustomerList,
  useTags,
} from './customers-api.ts';

const route = getRouteApi('/_app/customers');

function CustomerTable({ items }: { items: Customer[] }) {
  const { t, i18n } = useTranslation(['customers', 'shell']);
  const fmt = useFormat();
  const navigate = useNavigate();
  return (
    <DataTable
      minWidth={960}
      highlightOnHover
      verticalSpacing="sm"
      data-testid="customers-table"
      data-layout="table"
      columns={[
        t('customers.columns.name'),
        t('customers.columns.phone'),
        t('customers.columns.email'),
        t('customers.columns.stage'),
        t('customers.columns.tags'),
        { label: t('customers.columns.orders'), ta: 'end' },
        { label: t('customers.columns.spent'), ta: 'end' },
        t('customers.columns.lastOrder'),
      ]}
    >
      {items.map((c) => (
        <Table.Tr
          key={c.id}
          className="clickable-row"
          data-testid="customer-row"
          data-customer-id={c.id}
          onClick={() => void navigate({ to: '/customers/$id', params: { id: c.id } })}
        >
          <Table.Td>
            <Group gap={6} wrap="nowrap">
              <Link
                to="/customers/$id"
                params={{ id: c.id }}
                data-testid="customer-name"
                style={{ fontWeight: 600, color: 'inherit', textDecoration: 'none' }}
                onClick={(e) => e.stopPropagation()}
              >
                {customerName(c, i18n.language) || t('customers.unnamed')}
              </Link>
              <ConductBadge flag={c.conductFlag} />
            </Group>
          </Table.Td>
          <Table.Td className="nowrap">
            <span className="ltr-value">{formatPhone(c.phone)}</span>
          </Table.Td>
          <Table.Td>
            <Text size="sm" className="ltr-value" truncate maw={220}>
              {c.email}
            </Text>
          </Table.Td>
          <Table.Td>
            <StageBadge stage={c.lifecycleStage} />
          </Table.Td>
          <Table.Td>
            <TagList tags={c.tags} max={3} />
          </Table.Td>
          <Table.Td ta="end">{fmt.number(c.totals.ordersCount)}</Table.Td>
          <Table.Td ta="end" className="nowrap">
            {fmt.money(c.totals.totalSpent)}
          </Table.Td>
          <Table.Td className="nowrap">{fmt.date(c.totals.lastOrderAt)}</Table.Td>
        </Table.Tr>
      ))}
    </DataTable>
  );
}

function CustomerCards({ items }: { items: Customer[] }) {
  const { t, i18n } = useTranslation(['customers', 'shell']);
  const fmt = useFormat();
  return (
    <Stack gap="xs" data-testid="customers-table" data-layout="cards">
      {items.map((c) => (
        <Card
          key={c.id}
          withBorder
          padding="sm"
          className="customer-card"
          data-testid="customer-row"
          data-customer-id={c.id}
          renderRoot={(props) => <Link {...props} to="/customers/$id" params={{ id: c.id }} />}
        >
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Stack gap={2} style={{ minWidth: 0 }}>
              <Text fw={700} truncate data-testid="customer-name">
                {customerName(c, i18n.language) || t('customers.unnamed')}
              </Text>
              {c.phone ? (
                <Text size="sm" c="dimmed" className="ltr-value">
                  {formatPhone(c.phone)}
                </Text>
              ) : null}
              {c.email ? (
                <Text size="sm" c="dimmed" className="ltr-value" truncate>
                  {c.email}
                </Text>
              ) : null}
            </Stack>
            <Stack gap={4} align="flex-end">
              <StageBadge stage={c.lifecycleStage} />
              <ConductBadge flag={c.conductFlag} />
            </Stack>
          </Group>
          <Group justify="space-between" mt={6}>
            <TagList tags={c.tags} max={3} />
            <Text size="sm" fw={600}>
              {fmt.money(c.totals.totalSpent)}
            </Text>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}

function Filters({ search, onChange }: { search: CustomerSearch; onChange: (next: CustomerSearch) => void }) {
  const { t } = useTranslation(['customers', 'shell']);
  const tags = useTags();
  const branches = useBranches();
  const set = <K extends keyof CustomerSearch>(key: K, value: CustomerSearch[K] | null) => {
    const next = { ...search };
    if (value === null || value === undefined || value === '') delete next[key];
    else next[key] = value;
    onChange(next);
  };
  const tagData = (tags.data?.items ?? []).map((x) => ({ value: x.tag, label: `${x.tag} (${x.count})` }));
  if (search.tag && !tagData.some((x) => x.value === search.tag))
    tagData.unshift({ value: search.tag, label: search.tag });
  const branchData = (branches.data?.items ?? []).map((b) => ({ value: b.id, label: b.name }));
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} spacing="xs">
      <Select
        label={t('customers.filterTag')}
        data={tagData}
        value={search.tag ?? null}
        onChange={(v) => set('tag', v)}
        clearable
        searchable
        data-testid="filter-tag"
      />
      <Select
        label={t('customers.filterStage')}
        data={lifecycleStages.map((s) => ({ value: s, label: t(`stages.${s}`) }))}
        value={search.stage ?? null}
        onChange={(v) => set('stage', v as LifecycleStage | null)}
        clearable
        data-testid="filter-stage"
      />
      <Select
        label={t('customers.filterConsent')}
        data={channels.map((c) => ({ value: c, label: t(`channels.${c}`) }))}
        value={search.consent ?? null}
        onChange={(v) => set('consent', v as Channel | null)}
        clearable
        data-testid="filter-consent"
      />
      <Select
        label={t('customers.filterBranch')}
        data={branchData}
        value={search.branch ?? null}
        onChange={(v) => set('branch', v)}
        clearable
        searchable
        disabled={branchData.length === 0}
        data-testid="filter-branch"
      />
      <Select
        label={t('customers.sort')}
        data={customerSorts.map((s) => ({ value: s, label: t(`customers.sorts.${s}`) }))}
        value={search.sort ?? '-createdAt'}
        onChange={(v) => set('sort', v === '-createdAt' ? null : (v as CustomerSort | null))}
        allowDeselect={false}
        data-testid="customer-sort"
      />
    </SimpleGrid>
  );
}

function CustomersList() {
  const { t } = useTranslation(['customers', 'shell']);
  const search = route.useSearch();
  const navigate = useNavigate();
  const can = useCan();
  const isPhone = useMediaQuery('(max-width: 48em)');
  const [q, setQ] = useState(search.q ?? '');
  const [debounced] = useDebouncedValue(q.trim(), 300);
  const [creating, setCreating] = useState(false);

  const update = (next: CustomerSearch) => void navigate({ to: '/customers', search: next, replace: true });

  // Only the typed text drives this effect; the rest of the search is read fresh.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reacting to the debounced text alone
  useEffect(() => {
    if ((search.q ?? '') === debounced) return;
    const next = { ...search };
    if (debounced) next.q = debounced;
    else delete next.q;
    update(next);
  }, [debounced]);

  const list = useCustomerList(search);
  const pages = list.data?.pages ?? [];
  const items = pages.flatMap((p) => p.items);
  const total = pages[0]?.total ?? 0;
  const filtered = Boolean(search.q || search.tag || search.stage || search.consent || search.branch);
  // With no customers at all, search and filters only get in the way of the first step.
  const emptyWorkspace = Boolean(list.data) && total === 0 && !filtered && !q;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Stack gap={0}>
          <PageTitle>{t('customers.title')}</PageTitle>
          <Text
            c="dimmed"
            size="sm"
            data-testid="customers-total"
            data-total={list.data ? total : undefined}
            // How many customers a search found is a status message (WCAG 4.1.3), read without moving to it.
            role="status"
          >
            {list.data
              ? pages[0]?.totalExact === false
                ? t('customers.totalAtLeast', { count: total })
                : t('customers.total', { count: total })
              : ' '}
          </Text>
        </Stack>
        {can('customers.write') ? (
          <Button
            leftSection={<Icon name="plus" size={18} />}
            onClick={() => setCreating(true)}
            data-testid="new-customer"
          >
            {t('customers.new')}
          </Button>
        ) : null}
      </Group>
      {emptyWorkspace ? null : (
        <>
          <TextInput
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            placeholder={t('customers.search')}
            aria-label={t('customers.search')}
            leftSection={<Icon name="search" size={18} />}
            size="md"
            type="search"
            data-testid="customer-search"
          />
          <Filters search={search} onChange={update} />
        </>
      )}
      {filtered ? (
        <Group>
          <Button
            variant="subtle"
            size="compact-sm"
            onClick={() => {
              setQ('');
              update(search.sort ? { sort: search.sort } : {});
            }}
            data-testid="clear-filters"
          >
            {t('customers.clearFilters')}
          </Button>
        </Group>
      ) : null}
      <ListStatus
        query={list}
        isEmpty={Boolean(list.data) && items.length === 0}
        empty={
          filtered ? (
            <EmptyBlock
              title={t('customers.noResultsTitle')}
              text={t('customers.noResultsText')}
              testId="customers-empty"
            />
          ) : (
            <EmptyBlock title={t('customers.emptyTitle')} text={t('customers.emptyText')} testId="customers-empty">
              <Group>
                {can('imports.run') ? (
                  <Button component={Link} to="/import" variant="light" leftSection={<Icon name="upload" size={18} />}>
                    {t('customers.importCta')}
                  </Button>
                ) : null}
                {can('customers.write') ? (
                  <Button onClick={() => setCreating(true)} leftSection={<Icon name="plus" size={18} />}>
                    {t('customers.new')}
                  </Button>
                ) : null}
              </Group>
            </EmptyBlock>
          )
        }
      />
      {items.length > 0 ? (
        isPhone ? (
          <CustomerCards items={items} />
        ) : (
          <Card withBorder padding="xs">
            <CustomerTable items={items} />
          </Card>
        )
      ) : null}
      <LoadMore query={list} testId="load-more" />
      <CustomerFormModal opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}

export const CustomersPage = withPermission('customers.read', CustomersList);
