import { Anchor, Badge, Button, Card, Group, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { DataTable, ListStatus, LoadMore } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useCan } from '../../session.ts';
import { useProgram } from './loyalty-api.ts';
import { type LoyaltyFormat, useLoyaltyFormat } from './loyalty-format.ts';
import { RewardModal } from './reward-modal.tsx';
import { type Reward, type RewardsFilter, useRewards } from './rewards-api.ts';
import { TierBadge } from './tier-badge.tsx';

const filters = ['active', 'inactive', 'all'] as const satisfies readonly RewardsFilter[];

/** What the reward's coupon gives, in a line: "15% off, up to ₪50 · on a basket of ₪100 or more". */
function useBenefitText() {
  const { t } = useTranslation('loyalty');
  return (reward: Reward, lf: LoyaltyFormat) => {
    const money = (value: string) => lf.inline(lf.money(value));
    let text: string;
    switch (reward.kind) {
      case 'percent_discount':
        text = t('rewards.benefit.percent', { percent: lf.inline(`${lf.number(reward.percentOff ?? 0)}%`) });
        if (reward.maxDiscount) text += ` ${t('rewards.benefit.upTo', { amount: money(reward.maxDiscount) })}`;
        break;
      case 'amount_discount':
        text = t('rewards.benefit.amount', { amount: money(reward.amountOff ?? '0') });
        break;
      case 'gift':
        text = reward.itemSku
          ? t('rewards.benefit.giftSku', { sku: lf.inline(reward.itemSku) })
          : t('rewards.kinds.gift');
        break;
      case 'free_delivery':
        text = t('rewards.kinds.free_delivery');
        break;
    }
    if (Number(reward.minBasket) > 0)
      text += ` · ${t('rewards.benefit.minBasket', { amount: money(reward.minBasket) })}`;
    return text;
  };
}

function Rewards() {
  const { t, i18n } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const can = useCan();
  const manage = can('loyalty.manage');
  const [filter, setFilter] = useState<RewardsFilter>('active');
  const [editing, setEditing] = useState<Reward | null>(null);
  const [opened, setOpened] = useState(false);
  const rewards = useRewards(filter);
  const program = useProgram();
  const tiers = program.data?.tiers ?? [];
  const items = rewards.data?.pages.flatMap((p) => p.items) ?? [];
  const benefit = useBenefitText();
  const open = (reward: Reward | null) => {
    setEditing(reward);
    setOpened(true);
  };
  const tierOf = (rank: number | null) => tiers.find((tier) => tier.rank === rank) ?? null;
  const end = (label: string) => ({ label, ta: 'end' as const });
  return (
    <Stack gap="md" data-testid="loyalty-rewards">
      <Anchor component={Link} to="/loyalty" size="sm">
        {i18n.dir() === 'rtl' ? '→' : '←'} {t('rewards.back')}
      </Anchor>
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4}>
          <PageTitle>{t('rewards.title')}</PageTitle>
          <Text c="dimmed" size="sm" maw={640}>
            {t('rewards.intro')}
          </Text>
        </Stack>
        {manage ? (
          <Button leftSection={<Icon name="plus" size={18} />} onClick={() => open(null)} data-testid="reward-new">
            {t('rewards.new')}
          </Button>
        ) : null}
      </Group>
      <SegmentedControl
        value={filter}
        onChange={(v) => setFilter(filters.find((f) => f === v) ?? 'active')}
        data={filters.map((f) => ({ value: f, label: t(`rewards.filters.${f}`) }))}
        aria-label={t('rewards.filterLabel')}
        style={{ alignSelf: 'flex-start' }}
        data-testid="rewards-filter"
      />
      <ListStatus
        query={rewards}
        isEmpty={rewards.isSuccess && items.length === 0}
        empty={
          <Card withBorder>
            <EmptyBlock
              title={filter === 'active' ? t('rewards.empty') : t('rewards.emptyFiltered')}
              text={manage ? t('rewards.emptyText') : t('rewards.emptyTextRead')}
              testId="rewards-empty"
            />
          </Card>
        }
      />
      {items.length > 0 ? (
        <Card withBorder padding={0}>
          <DataTable
            columns={[
              t('rewards.name'),
              t('rewards.benefitColumn'),
              end(t('rewards.pointsCost')),
              t('rewards.minTier'),
              end(t('rewards.left')),
              end(t('rewards.redeemed')),
              t('rewards.status'),
              ...(manage ? [{ label: t('rewards.actions'), w: 1 }] : []),
            ]}
            minWidth={860}
            verticalSpacing="sm"
            data-testid="rewards-table"
          >
            {items.map((reward) => (
              <Table.Tr key={reward.id} data-testid="reward-row">
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {reward.name}
                  </Text>
                  {reward.description ? (
                    <Text size="xs" c="dimmed" lineClamp={2} maw={260}>
                      {reward.description}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{benefit(reward, lf)}</Text>
                  {reward.endsAt ? (
                    <Text size="xs" c="dimmed">
                      {t('rewards.until', { date: lf.date(reward.endsAt) })}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td ta="end">
                  <Text component="span" size="sm" fw={600}>
                    {lf.number(reward.pointsCost)}
                  </Text>
                </Table.Td>
                <Table.Td className="nowrap">
                  {reward.minTierRank === null ? (
                    <Text size="sm">{t('rewards.everyMember')}</Text>
                  ) : (
                    <TierBadge
                      tier={
                        tierOf(reward.minTierRank) ?? { name: String(reward.minTierRank), rank: reward.minTierRank }
                      }
                    />
                  )}
                </Table.Td>
                <Table.Td ta="end" className="nowrap">
                  <Text component="span" size="sm">
                    {reward.stock === null ? t('rewards.unlimited') : lf.number(reward.stock)}
                  </Text>
                </Table.Td>
                <Table.Td ta="end">
                  <Text component="span" size="sm">
                    {lf.number(reward.redeemed)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={reward.active ? 'teal' : 'gray'} variant="light" data-testid="reward-status">
                    {reward.active ? t('rewards.offered') : t('rewards.stopped')}
                  </Badge>
                </Table.Td>
                {manage ? (
                  <Table.Td>
                    <Button
                      size="compact-sm"
                      variant="light"
                      onClick={() => open(reward)}
                      aria-label={t('rewards.editNamed', { name: reward.name })}
                      data-testid="reward-edit"
                    >
                      {t('rewards.edit')}
                    </Button>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </DataTable>
        </Card>
      ) : null}
      <LoadMore query={rewards} testId="rewards-more" />
      {manage ? <RewardModal opened={opened} reward={editing} tiers={tiers} onClose={() => setOpened(false)} /> : null}
    </Stack>
  );
}

/** The rewards catalog: what members may buy with their points, and (for loyalty.manage) adding and changing it. */
export const LoyaltyRewardsPage = withPermission('loyalty.read', Rewards);
