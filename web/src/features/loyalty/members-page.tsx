import { Anchor, Badge, Button, Card, Group, Select, Stack, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock, PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { DataTable, LoadMore } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useCan } from '../../session.ts';
import { isNoProgram, type Member, useMembers, useProgram } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';
import { NoClubBlock } from './no-club.tsx';
import { TierBadge } from './tier-badge.tsx';

function MemberName({ member }: { member: Member }) {
  const { t } = useTranslation('loyalty');
  const can = useCan();
  const name = member.name || t('members.unnamed');
  if (!can('customers.read')) return <Text size="sm">{name}</Text>;
  return (
    <Anchor
      size="sm"
      fw={500}
      renderRoot={(props) => <Link {...props} to="/customers/$id" params={{ id: member.customerId }} />}
      data-testid="member-open"
    >
      {name}
    </Anchor>
  );
}

function MembersTable({ members }: { members: Member[] }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const figure = (label: string) => ({ label, ta: 'end' as const });
  return (
    <DataTable
      columns={[
        t('members.name'),
        t('members.tier'),
        figure(t('members.available')),
        figure(t('members.pending')),
        figure(t('members.lifetime')),
        t('members.lastActivity'),
        t('members.joined'),
      ]}
      minWidth={820}
      verticalSpacing="sm"
      highlightOnHover
      data-testid="members-table"
    >
      {members.map((member) => (
        <Table.Tr key={member.customerId} data-testid="member-row">
          <Table.Td>
            <MemberName member={member} />
          </Table.Td>
          <Table.Td>
            <TierBadge tier={member.tier} />
          </Table.Td>
          <Table.Td ta="end">
            <Group gap={6} justify="flex-end" wrap="nowrap">
              {member.available < 0 ? (
                <Badge color="red" variant="light" size="sm">
                  {t('members.debt')}
                </Badge>
              ) : null}
              <Text
                size="sm"
                fw={600}
                className="ltr-value"
                {...(member.available < 0 ? { c: 'red' } : {})}
                data-testid="member-available"
              >
                {lf.number(member.available)}
              </Text>
            </Group>
          </Table.Td>
          <Table.Td ta="end">
            <Text component="span" size="sm" className="ltr-value">
              {lf.number(member.pending)}
            </Text>
          </Table.Td>
          <Table.Td ta="end">
            <Text component="span" size="sm" className="ltr-value">
              {lf.number(member.lifetimePoints)}
            </Text>
          </Table.Td>
          <Table.Td className="nowrap">{lf.date(member.lastActivityAt)}</Table.Td>
          <Table.Td className="nowrap">{lf.date(member.joinedAt)}</Table.Td>
        </Table.Tr>
      ))}
    </DataTable>
  );
}

function Members() {
  const { t } = useTranslation('loyalty');
  const can = useCan();
  const program = useProgram();
  const [tierId, setTierId] = useState<string | null>(null);
  const members = useMembers(tierId);
  const items = members.data?.pages.flatMap((p) => p.items) ?? [];
  const tiers = program.data?.tiers ?? [];
  const noClub = isNoProgram(program.error) || isNoProgram(members.error);

  let list = null;
  if (noClub) {
    list = (
      <Card withBorder>
        <NoClubBlock />
      </Card>
    );
  } else if (members.isPending) list = <PageLoader />;
  else if (members.isError) list = <QueryError error={members.error} onRetry={() => void members.refetch()} />;
  else if (items.length === 0) {
    list = (
      <Card withBorder>
        {tierId ? (
          <EmptyBlock
            title={t('members.emptyFiltered')}
            text={t('members.emptyFilteredText')}
            testId="members-empty-filtered"
          />
        ) : (
          <EmptyBlock title={t('members.empty')} text={t('members.emptyText')} testId="members-empty">
            {can('customers.read') ? (
              <Button component={Link} to="/customers" variant="light" leftSection={<Icon name="users" size={18} />}>
                {t('members.toCustomers')}
              </Button>
            ) : null}
          </EmptyBlock>
        )}
      </Card>
    );
  } else {
    list = (
      <Card withBorder padding={0}>
        <MembersTable members={items} />
      </Card>
    );
  }

  return (
    <Stack gap="md" data-testid="loyalty-members">
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4}>
          <PageTitle>{t('members.title')}</PageTitle>
          <Text c="dimmed" size="sm">
            {t('members.intro')}
          </Text>
        </Stack>
        {noClub ? null : (
          <Group gap="xs">
            <Button component={Link} to="/loyalty/report" variant="default" data-testid="loyalty-report-link">
              {t('members.report')}
            </Button>
            <Button component={Link} to="/loyalty/rewards" variant="default" data-testid="loyalty-rewards-link">
              {t('members.rewards')}
            </Button>
            <Button component={Link} to="/loyalty/rules" variant="default" data-testid="loyalty-rules-link">
              {t('rules.link')}
            </Button>
            <Button component={Link} to="/loyalty/contests" variant="default" data-testid="loyalty-contests-link">
              {t('contests.title')}
            </Button>
            <Button component={Link} to="/loyalty/referrals" variant="default" data-testid="loyalty-referrals-link">
              {t('referrals.link')}
            </Button>
            {can('loyalty.manage') ? (
              <Button
                component={Link}
                to="/loyalty/settings"
                variant="light"
                leftSection={<Icon name="settings" size={18} />}
                data-testid="loyalty-settings-link"
              >
                {t('members.settings')}
              </Button>
            ) : null}
          </Group>
        )}
      </Group>
      {tiers.length > 0 ? (
        <Select
          label={t('members.filterTier')}
          data={tiers.map((tier) => ({ value: tier.id, label: tier.name }))}
          value={tierId}
          onChange={setTierId}
          placeholder={t('members.allTiers')}
          clearable
          maw={240}
          data-testid="members-tier-filter"
        />
      ) : null}
      {list}
      <LoadMore query={members} testId="members-more" label={t('members.loadMore')} />
    </Stack>
  );
}

/** The club's members, newest first: tier, points and activity, filtered by tier. */
export const LoyaltyMembersPage = withPermission('loyalty.read', Members);
