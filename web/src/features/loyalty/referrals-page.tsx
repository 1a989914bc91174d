import { Anchor, Badge, Button, Card, Group, SegmentedControl, Stack, Switch, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock, FormAlert, notifySaved, QueryError } from '../../components/errors.tsx';
import { DataTable, ListStatus, LoadMore } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useCan } from '../../session.ts';
import { WholeNumberInput } from './form-fields.tsx';
import { isNoProgram } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';
import { NoClubBlock } from './no-club.tsx';
import {
  type ReferralItem,
  type ReferralSettingsInput,
  type ReferralsFilter,
  useReferralSettings,
  useReferrals,
  useSaveReferralSettings,
} from './referrals-api.ts';

const filters = ['all', 'pending', 'qualified', 'refused'] as const satisfies readonly ReferralsFilter[];
const statusColor = { pending: 'yellow', qualified: 'teal', refused: 'gray' } as const;

/** The club's referral rewards: edited by those who manage the club, read by the others. */
function SettingsCard() {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const can = useCan();
  const manage = can('loyalty.manage');
  const settings = useReferralSettings();
  const save = useSaveReferralSettings();
  const [values, setValues] = useState<ReferralSettingsInput | null>(null);
  useEffect(() => {
    if (settings.data) {
      const { enabled, referrerPoints, friendPoints } = settings.data;
      setValues({ enabled, referrerPoints, friendPoints });
    }
  }, [settings.data]);
  if (settings.isError) {
    return isNoProgram(settings.error) ? null : (
      <QueryError error={settings.error} onRetry={() => void settings.refetch()} />
    );
  }
  if (!values) return null;
  const points = (n: number) => t('points.count', { count: n, n: lf.inline(lf.number(n)) });
  const number = (v: string | number) => (typeof v === 'number' ? v : Number.parseInt(v, 10) || 0);
  return (
    <Card withBorder data-testid="referral-settings">
      <Stack gap="sm">
        <Text fw={700}>{t('referrals.settings.title')}</Text>
        {manage ? (
          <>
            <Switch
              label={t('referrals.settings.enabled')}
              checked={values.enabled}
              onChange={(e) => setValues({ ...values, enabled: e.currentTarget.checked })}
              data-testid="referral-settings-enabled"
            />
            <Group gap="md" align="flex-end">
              <WholeNumberInput
                label={t('referrals.settings.referrerPoints')}
                value={values.referrerPoints}
                min={0}
                max={1_000_000}
                onChange={(v) => setValues({ ...values, referrerPoints: number(v) })}
                maw={220}
                data-testid="referral-settings-referrer"
              />
              <WholeNumberInput
                label={t('referrals.settings.friendPoints')}
                value={values.friendPoints}
                min={0}
                max={1_000_000}
                onChange={(v) => setValues({ ...values, friendPoints: number(v) })}
                maw={220}
                data-testid="referral-settings-friend"
              />
              <Button
                loading={save.isPending}
                onClick={() => save.mutate(values, { onSuccess: () => notifySaved(t('referrals.settings.saved')) })}
                data-testid="referral-settings-save"
              >
                {t('referrals.settings.save')}
              </Button>
            </Group>
            <FormAlert error={save.error} testId="referral-settings-error" />
          </>
        ) : (
          <Text size="sm" data-testid="referral-settings-summary">
            {values.enabled
              ? t('referrals.settings.summary', {
                  referrer: points(values.referrerPoints),
                  friend: points(values.friendPoints),
                })
              : t('referrals.settings.off')}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          {t('referrals.settings.help')}
        </Text>
      </Stack>
    </Card>
  );
}

function Person({ id, name }: { id: string; name: string | null }) {
  const { t } = useTranslation('loyalty');
  const can = useCan();
  const shown = name || t('referrals.unnamed');
  if (!can('customers.read')) return <Text size="sm">{shown}</Text>;
  return (
    <Anchor size="sm" fw={500} renderRoot={(props) => <Link {...props} to="/customers/$id" params={{ id }} />}>
      {shown}
    </Anchor>
  );
}

function ReferralsTable({ items }: { items: ReferralItem[] }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  return (
    <DataTable
      columns={[
        t('referrals.referrer'),
        t('referrals.friend'),
        t('referrals.status'),
        t('referrals.referredAt'),
        t('referrals.qualifiedAt'),
        { label: t('referrals.rewards'), ta: 'end' },
      ]}
      minWidth={860}
      verticalSpacing="sm"
      highlightOnHover
      data-testid="referrals-table"
    >
      {items.map((r) => (
        <Table.Tr key={r.id} data-testid="referral-row" data-status={r.status}>
          <Table.Td>
            <Person id={r.referrerId} name={r.referrerName} />
            {r.code ? (
              // The code isolated left to right inside a line that keeps the page's side (right, in Hebrew).
              <Text size="xs" c="dimmed">
                <Text span inherit ff="monospace" className="ltr-value">
                  {r.code}
                </Text>
              </Text>
            ) : null}
          </Table.Td>
          <Table.Td>
            <Person id={r.friendId} name={r.friendName} />
          </Table.Td>
          <Table.Td>
            <Badge color={statusColor[r.status]} variant="light" data-testid="referral-status">
              {t(`referrals.statuses.${r.status}`)}
            </Badge>
            {r.reason ? (
              <Text size="xs" c="dimmed" data-testid="referral-reason">
                {t(`referrals.reasons.${r.reason}`)}
              </Text>
            ) : null}
          </Table.Td>
          <Table.Td className="nowrap">{lf.date(r.referredAt)}</Table.Td>
          <Table.Td className="nowrap">{r.qualifiedAt ? lf.date(r.qualifiedAt) : '—'}</Table.Td>
          <Table.Td ta="end">
            <Text component="span" size="sm" className="ltr-value">
              {r.status === 'qualified' ? `${lf.number(r.referrerPoints)} / ${lf.number(r.friendPoints)}` : '—'}
            </Text>
          </Table.Td>
        </Table.Tr>
      ))}
    </DataTable>
  );
}

function Referrals() {
  const { t, i18n } = useTranslation('loyalty');
  const [filter, setFilter] = useState<ReferralsFilter>('all');
  const referrals = useReferrals(filter);
  const items = referrals.data?.pages.flatMap((p) => p.items) ?? [];
  const noClub = isNoProgram(referrals.error);
  return (
    <Stack gap="md" data-testid="loyalty-referrals">
      <Anchor component={Link} to="/loyalty" size="sm">
        {i18n.dir() === 'rtl' ? '→' : '←'} {t('referrals.back')}
      </Anchor>
      <Stack gap={4}>
        <PageTitle>{t('referrals.title')}</PageTitle>
        <Text c="dimmed" size="sm" maw={720}>
          {t('referrals.intro')}
        </Text>
      </Stack>
      {noClub ? (
        <Card withBorder>
          <NoClubBlock />
        </Card>
      ) : (
        <>
          <SettingsCard />
          <SegmentedControl
            value={filter}
            onChange={(v) => setFilter(filters.find((f) => f === v) ?? 'all')}
            data={filters.map((f) => ({ value: f, label: t(`referrals.filters.${f}`) }))}
            aria-label={t('referrals.filterLabel')}
            style={{ alignSelf: 'flex-start' }}
            data-testid="referrals-filter"
          />
          <ListStatus
            query={referrals}
            isEmpty={referrals.isSuccess && items.length === 0}
            empty={
              <Card withBorder>
                <EmptyBlock
                  title={filter === 'all' ? t('referrals.empty') : t('referrals.emptyFiltered')}
                  text={t('referrals.emptyText')}
                  testId="referrals-empty"
                />
              </Card>
            }
          />
          {items.length > 0 ? (
            <Card withBorder padding={0}>
              <ReferralsTable items={items} />
            </Card>
          ) : null}
          <LoadMore query={referrals} testId="referrals-more" label={t('referrals.loadMore')} />
        </>
      )}
    </Stack>
  );
}

/** Who referred whom: each referral's status (with why one does not count), dates and points; the rewards' settings. */
export const LoyaltyReferralsPage = withPermission('loyalty.read', Referrals);
