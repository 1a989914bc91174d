import { Anchor, Badge, Button, Card, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock, notifySaved } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { DataTable, ListStatus } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useCan } from '../../session.ts';
import { useProgram } from './loyalty-api.ts';
import { type LoyaltyFormat, useLoyaltyFormat } from './loyalty-format.ts';
import { inputOf, isNamedEvent, type Rule, useRules, useSaveRule } from './rules-api.ts';
import { RuleModal } from './rules-modal.tsx';
import { TierBadge } from './tier-badge.tsx';

/** What a rule gives, in a line: "2 points a shekel on Categories: coffee", "50 points for joining the club". */
function useGivesText() {
  const { t } = useTranslation('loyalty');
  return (rule: Rule, lf: LoyaltyFormat) => {
    const points = lf.inline(t('points.count', { count: rule.points ?? 0, n: lf.number(rule.points ?? 0) }));
    if (rule.kind === 'event') {
      const type = rule.eventType ?? '';
      const event = isNamedEvent(type) ? t(`rules.events.${type}`) : lf.inline(type);
      return t('rules.awards.event', { points, event });
    }
    const target =
      rule.target === 'product'
        ? t('rules.targets.someProducts', { count: rule.productIds.length })
        : `${t('rules.targets.category')}: ${rule.categories.map((c) => lf.inline(c)).join(', ')}`;
    switch (rule.award) {
      case 'per_ils':
        return t('rules.awards.per_ils', { points, target });
      case 'per_order':
        return t('rules.awards.per_order', { points, target });
      default:
        return t('rules.awards.multiplier', { factor: lf.number((rule.multiplierPct ?? 100) / 100), target });
    }
  };
}

/** One rule's pause or resume button: the rule saved whole with its status turned. */
function PauseButton({ rule }: { rule: Rule }) {
  const { t } = useTranslation('loyalty');
  const save = useSaveRule(rule.id);
  const active = rule.status === 'active';
  return (
    <Button
      size="compact-sm"
      variant="subtle"
      color={active ? 'orange' : 'teal'}
      loading={save.isPending}
      onClick={() =>
        save.mutate(inputOf(rule, active ? 'paused' : 'active'), {
          onSuccess: () => notifySaved(active ? t('rules.paused') : t('rules.resumed')),
        })
      }
      data-testid="rule-pause"
    >
      {active ? t('rules.pause') : t('rules.resume')}
    </Button>
  );
}

function Rules() {
  const { t, i18n } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const can = useCan();
  const manage = can('loyalty.manage');
  const [editing, setEditing] = useState<Rule | null>(null);
  const [opened, setOpened] = useState(false);
  const rules = useRules();
  const program = useProgram();
  const tiers = program.data?.tiers ?? [];
  const items = rules.data?.items ?? [];
  const gives = useGivesText();
  const open = (rule: Rule | null) => {
    setEditing(rule);
    setOpened(true);
  };
  const end = (label: string) => ({ label, ta: 'end' as const });
  const limits = (rule: Rule) => {
    const parts: string[] = [];
    if (rule.maxPerMember !== null) {
      parts.push(
        t('rules.limitPerMember', { count: rule.maxPerMember, period: t(`rules.periods.${rule.limitPeriod}`) }),
      );
    }
    if (rule.maxTotal !== null) parts.push(t('rules.limitTotal', { count: rule.maxTotal }));
    return parts.length > 0 ? parts.join(' · ') : t('rules.noLimit');
  };
  return (
    <Stack gap="md" data-testid="loyalty-rules">
      <Anchor component={Link} to="/loyalty" size="sm">
        {i18n.dir() === 'rtl' ? '→' : '←'} {t('rules.back')}
      </Anchor>
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4}>
          <PageTitle>{t('rules.title')}</PageTitle>
          <Text c="dimmed" size="sm" maw={640}>
            {t('rules.intro')}
          </Text>
        </Stack>
        {manage ? (
          <Button leftSection={<Icon name="plus" size={18} />} onClick={() => open(null)} data-testid="rule-new">
            {t('rules.new')}
          </Button>
        ) : null}
      </Group>
      <ListStatus
        query={rules}
        isEmpty={rules.isSuccess && items.length === 0}
        empty={
          <Card withBorder>
            <EmptyBlock
              title={t('rules.empty')}
              text={manage ? t('rules.emptyText') : t('rules.emptyTextRead')}
              testId="rules-empty"
            />
          </Card>
        }
      />
      {items.length > 0 ? (
        <Card withBorder padding={0}>
          <DataTable
            columns={[
              t('rules.columns.name'),
              t('rules.columns.gives'),
              t('rules.columns.tiers'),
              t('rules.columns.dates'),
              t('rules.columns.limits'),
              end(t('rules.columns.awards')),
              t('rules.columns.status'),
              ...(manage ? [{ label: t('rules.columns.actions'), w: 1 }] : []),
            ]}
            minWidth={960}
            verticalSpacing="sm"
            data-testid="rules-table"
          >
            {items.map((rule) => (
              <Table.Tr key={rule.id} data-testid="rule-row">
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {rule.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t(`rules.kinds.${rule.kind}`)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{gives(rule, lf)}</Text>
                  {rule.pending ? (
                    <Text size="xs" c="dimmed">
                      {t('rules.pending')}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  {rule.tierIds.length === 0 ? (
                    <Text size="sm">{t('rules.everyTier')}</Text>
                  ) : (
                    <Group gap={4}>
                      {rule.tierIds.map((id) => {
                        const tier = tiers.find((x) => x.id === id);
                        return tier ? <TierBadge key={id} tier={tier} /> : null;
                      })}
                    </Group>
                  )}
                </Table.Td>
                <Table.Td className="nowrap">
                  <Text size="sm">
                    {rule.endsAt
                      ? t('rules.fromTo', { from: lf.date(rule.startsAt), to: lf.date(rule.endsAt) })
                      : t('rules.from', { date: lf.date(rule.startsAt) })}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{limits(rule)}</Text>
                </Table.Td>
                <Table.Td ta="end" className="nowrap">
                  <Text component="span" size="sm">
                    {t('rules.awardsCount', {
                      count: rule.awards,
                      points: lf.inline(
                        t('points.count', { count: rule.awardedPoints, n: lf.number(rule.awardedPoints) }),
                      ),
                    })}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={rule.status === 'active' ? 'teal' : 'gray'} variant="light" data-testid="rule-status">
                    {rule.status === 'active' ? t('rules.active') : t('rules.pausedStatus')}
                  </Badge>
                </Table.Td>
                {manage ? (
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Button
                        size="compact-sm"
                        variant="light"
                        onClick={() => open(rule)}
                        aria-label={t('rules.editNamed', { name: rule.name })}
                        data-testid="rule-edit"
                      >
                        {t('rules.edit')}
                      </Button>
                      <PauseButton rule={rule} />
                    </Group>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </DataTable>
        </Card>
      ) : null}
      {manage ? <RuleModal opened={opened} rule={editing} tiers={tiers} onClose={() => setOpened(false)} /> : null}
    </Stack>
  );
}

/** The earning rules: extra points for products and categories, bonuses for events; managers add, change and pause them. */
export const LoyaltyRulesPage = withPermission('loyalty.read', Rules);
