import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  Divider,
  Group,
  Loader,
  Progress,
  Spoiler,
  Stack,
  Text,
} from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormAlert, notifySaved, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { useCan } from '../../session.ts';
import type { Customer360 } from '../customers/customers-api.ts';
import { AdjustPointsModal } from './adjust-modal.tsx';
import {
  isNoProgram,
  isNotMember,
  type LedgerLine,
  type MemberDetail,
  useMember,
  useProgram,
  useRecentLedger,
} from './loyalty-api.ts';
import { type LoyaltyFormat, shekels, useLoyaltyFormat } from './loyalty-format.ts';
import { useEnrollReferred } from './referrals-api.ts';
import { ReferralCodeField, ReferralShare, useEnrolledMessage } from './referrals-share.tsx';
import { TierBadge } from './tier-badge.tsx';

function PanelCard({ children, action }: { children: ReactNode; action?: ReactNode }) {
  const { t } = useTranslation('loyalty');
  return (
    <Card withBorder padding="md" data-testid="loyalty-panel">
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Group gap={6} wrap="nowrap">
          <Icon name="star" size={18} />
          <Text fw={700}>{t('card.title')}</Text>
        </Group>
        {action}
      </Group>
      {children}
    </Card>
  );
}

/** Not a member yet: the club's join terms, consent to its messages, and the button that enrols. */
function EnrollForm({ customer }: { customer: Customer360 }) {
  const { t } = useTranslation('loyalty');
  const can = useCan();
  const program = useProgram();
  const enroll = useEnrollReferred(customer.id);
  const enrolled = useEnrolledMessage();
  const [consent, setConsent] = useState(false);
  const [referralCode, setReferralCode] = useState('');
  const active = customer.status === 'active';
  return (
    <Stack gap="sm" data-testid="loyalty-not-member">
      <Text size="sm">{t('card.notMember')}</Text>
      {can('loyalty.enroll') && active ? (
        <>
          {program.data?.joinTerms ? (
            <Stack gap={2}>
              <Text size="xs" fw={600}>
                {t('card.joinTerms')}
              </Text>
              <Spoiler
                maxHeight={60}
                showLabel={t('card.showMore')}
                hideLabel={t('card.showLess')}
                styles={{ control: { fontSize: 'var(--mantine-font-size-xs)' } }}
              >
                <Text size="xs" c="dimmed" style={{ whiteSpace: 'pre-wrap' }} data-testid="loyalty-join-terms-text">
                  {program.data.joinTerms}
                </Text>
              </Spoiler>
            </Stack>
          ) : null}
          <Checkbox
            label={t('card.consent')}
            checked={consent}
            onChange={(e) => setConsent(e.currentTarget.checked)}
            data-testid="loyalty-consent"
          />
          <ReferralCodeField value={referralCode} onChange={setReferralCode} error={enroll.error} />
          <FormAlert error={enroll.error} fields={['referralCode']} testId="loyalty-enroll-error" />
          <Group justify="flex-end">
            <Button
              leftSection={<Icon name="userPlus" size={16} />}
              loading={enroll.isPending}
              onClick={() =>
                enroll.mutate(
                  { messagesConsent: consent, referralCode },
                  { onSuccess: (member) => notifySaved(enrolled(member)) },
                )
              }
              data-testid="loyalty-enroll"
            >
              {t('card.enroll')}
            </Button>
          </Group>
        </>
      ) : null}
    </Stack>
  );
}

function Figure({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Stack gap={0} data-testid={testId}>
      <Text size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      {children}
    </Stack>
  );
}

/** How far the member is from the next tier: a bar, and the rest in shekels or points. */
function NextTier({ member, lf }: { member: MemberDetail; lf: LoyaltyFormat }) {
  const { t } = useTranslation('loyalty');
  const next = member.nextTier;
  if (!next) {
    return member.tier ? (
      <Text size="sm" c="dimmed" data-testid="loyalty-top-tier">
        {t('card.topTier')}
      </Text>
    ) : null;
  }
  const target = member.qualifyingValue + next.remaining;
  const percent = target > 0 ? Math.min(100, Math.round((member.qualifyingValue / target) * 100)) : 100;
  const tier = lf.inline(next.name);
  const text =
    next.remaining <= 0
      ? t('card.reachedNext', { tier })
      : member.tierBasis === 'spend'
        ? t('card.toNextSpend', { amount: lf.inline(lf.money(shekels(next.remaining))), tier })
        : t('card.toNextPoints', {
            points: t('points.count', { count: next.remaining, n: lf.inline(lf.number(next.remaining)) }),
            tier,
          });
  return (
    <Stack gap={4} data-testid="loyalty-next-tier">
      <Text size="sm" fw={500}>
        {text}
      </Text>
      <Progress value={percent} size="md" aria-label={t('card.progressLabel', { tier: next.name })} />
    </Stack>
  );
}

function LedgerLines({ lines, lf }: { lines: LedgerLine[]; lf: LoyaltyFormat }) {
  const { t } = useTranslation('loyalty');
  if (lines.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('card.noActivity')}
      </Text>
    );
  }
  return (
    <Stack gap={6} data-testid="loyalty-ledger">
      {lines.map((line) => (
        <Group key={line.id} justify="space-between" wrap="nowrap" gap="xs" data-testid="loyalty-ledger-line">
          <Stack gap={0} style={{ minWidth: 0 }}>
            <Text size="sm">{t(`ledger.kinds.${line.kind}`)}</Text>
            <Text size="xs" c="dimmed" truncate dir="auto">
              {[lf.date(line.occurredAt), line.note].filter(Boolean).join(' · ')}
            </Text>
          </Stack>
          <Text
            size="sm"
            fw={600}
            className="ltr-value"
            {...(line.points < 0 ? { c: 'red' } : line.points > 0 ? { c: 'teal' } : {})}
            data-testid="loyalty-ledger-points"
          >
            {lf.signed(line.kind === 'release' ? line.released : line.points)}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

function MemberCard({ member, customer }: { member: MemberDetail; customer: Customer360 }) {
  const { t } = useTranslation(['loyalty', 'shell']);
  const lf = useLoyaltyFormat();
  const can = useCan();
  const [adjusting, setAdjusting] = useState(false);
  const ledger = useRecentLedger(member.customerId, true);
  const points = (n: number) => t('points.count', { count: n, n: lf.inline(lf.number(n)) });
  const action =
    can('loyalty.adjust') && customer.status === 'active' ? (
      <Button size="compact-sm" variant="light" onClick={() => setAdjusting(true)} data-testid="loyalty-adjust">
        {t('card.adjust')}
      </Button>
    ) : null;
  return (
    <PanelCard action={action}>
      <Stack gap="sm" data-testid="loyalty-member" data-available={member.available}>
        <Group gap="xs" justify="space-between">
          <TierBadge tier={member.tier} size="lg" />
          <Text size="xs" c="dimmed">
            {t('card.memberSince', { date: lf.date(member.joinedAt) })}
          </Text>
        </Group>
        <Figure label={t('card.available')} testId="loyalty-available">
          <Group gap="xs" align="baseline">
            <Text fw={800} size="xl" className="ltr-value" {...(member.inDebt ? { c: 'red' } : {})}>
              {lf.number(member.available)}
            </Text>
            {member.inDebt ? null : (
              <Text size="sm" c="dimmed" data-testid="loyalty-value">
                {t('card.worth', { amount: lf.inline(lf.money(member.availableValue)) })}
              </Text>
            )}
          </Group>
        </Figure>
        {member.inDebt ? (
          <Alert color="red" variant="light" title={t('card.debtTitle')} data-testid="loyalty-debt">
            <Text size="sm">{t('card.debt', { points: points(-member.available) })}</Text>
          </Alert>
        ) : null}
        {member.pendingLots.length > 0 ? (
          <Figure label={`${t('card.pending')} (${lf.number(member.pending)})`} testId="loyalty-pending">
            {member.pendingLots.map((lot) => (
              <Text size="sm" key={`${lot.releaseAt}-${lot.points}`}>
                {t('card.pendingLine', { points: points(lot.points), date: lf.date(lot.releaseAt) })}
              </Text>
            ))}
          </Figure>
        ) : null}
        {member.expiringSoon.length > 0 ? (
          <Figure label={t('card.expiring')} testId="loyalty-expiring">
            {member.expiringSoon.map((lot) => (
              <Text size="sm" c="orange" key={`${lot.expiresAt}-${lot.points}`}>
                {t('card.expiringLine', { points: points(lot.points), date: lf.date(lot.expiresAt) })}
              </Text>
            ))}
          </Figure>
        ) : null}
        <NextTier member={member} lf={lf} />
        {member.tierReviewAt ? (
          <Text size="xs" c="dimmed">
            {t('card.reviewAt', { date: lf.date(member.tierReviewAt) })}
          </Text>
        ) : null}
        <Divider />
        <Text size="sm" fw={600}>
          {t('card.recent')}
        </Text>
        {ledger.isPending ? (
          <Loader size="sm" role="status" aria-label={t('shell:app.loading')} />
        ) : ledger.isError ? (
          <QueryError error={ledger.error} onRetry={() => void ledger.refetch()} />
        ) : (
          <LedgerLines lines={ledger.data.items} lf={lf} />
        )}
        <Divider />
        {customer.status === 'active' && member.status === 'active' ? (
          <ReferralShare customerId={member.customerId} code={member.referralCode} />
        ) : null}
        <Group justify="flex-end" gap="xs">
          <Anchor component={Link} to="/loyalty" size="xs">
            {t('card.allMembers')}
          </Anchor>
        </Group>
      </Stack>
      <AdjustPointsModal member={member} opened={adjusting} onClose={() => setAdjusting(false)} />
    </PanelCard>
  );
}

/** The customer page's club card: enrol a customer, or a member's tier, points, next tier and latest bookings. */
export function LoyaltyPanel({ customer }: { customer: Customer360 }) {
  const { t } = useTranslation(['loyalty', 'shell']);
  const can = useCan();
  const allowed = can('loyalty.read');
  const member = useMember(customer.id, allowed);
  if (!allowed) return null;
  if (member.isPending) {
    return (
      <PanelCard>
        <Loader size="sm" role="status" aria-label={t('shell:app.loading')} />
      </PanelCard>
    );
  }
  if (member.isSuccess) return <MemberCard member={member.data} customer={customer} />;
  if (isNoProgram(member.error)) {
    // Only those who can set the club up hear about it here; for the others it is not there yet.
    if (!can('loyalty.manage')) return null;
    return (
      <PanelCard>
        <Stack gap="xs" data-testid="loyalty-panel-no-club">
          <Text size="sm">{t('noClub.title')}</Text>
          <Anchor component={Link} to="/loyalty/settings" size="sm" data-testid="loyalty-panel-setup">
            {t('noClub.setUp')}
          </Anchor>
        </Stack>
      </PanelCard>
    );
  }
  if (isNotMember(member.error)) {
    return (
      <PanelCard>
        <EnrollForm customer={customer} />
      </PanelCard>
    );
  }
  return (
    <PanelCard>
      <QueryError error={member.error} onRetry={() => void member.refetch()} />
    </PanelCard>
  );
}
