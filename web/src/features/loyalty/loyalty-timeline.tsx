import { Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { type Formatters, isolate } from '../../format.ts';
import { isKeyOf } from '../../i18n/keys.ts';
import { eventText } from '../customers/customer-timeline.tsx';
import type { TimelineEvent } from '../customers/customers-api.ts';
import type { TimelineRenderer } from '../feature.ts';
import { loyaltyEn } from './loyalty.en.ts';
import { referralsTimeline } from './referrals-timeline.tsx';

type BodyProps = { event: TimelineEvent; fmt: Formatters };

/** A booking of points: what it did (earned, used, taken back, …) and how many, with its sign, and its note. */
function PointsBody({ event, fmt }: BodyProps) {
  const { t } = useTranslation('loyalty');
  const data = event.data ?? {};
  const kind = eventText(data.kind);
  const raw = Number(data.points ?? 0);
  const points = Number.isFinite(raw) ? raw : 0;
  const signed = isolate(points > 0 ? `+${fmt.number(points)}` : fmt.number(points));
  const amount = t('points.count', { count: Math.abs(points), n: signed });
  const note = eventText(data.note);
  return (
    <Stack gap={2}>
      <Text size="sm" data-testid="loyalty-points-event" data-kind={kind}>
        {isKeyOf(loyaltyEn.timeline.kinds, kind) ? t(`timeline.kinds.${kind}`, { points: amount }) : amount}
      </Text>
      {note ? (
        <Text size="sm" c="dimmed" dir="auto">
          {note}
        </Text>
      ) : null}
    </Stack>
  );
}

/** A move between tiers: why (joining, moving up, the periodic review, a merge) and from which to which. */
function TierChangedBody({ event }: BodyProps) {
  const { t, i18n } = useTranslation('loyalty');
  const data = event.data ?? {};
  const reason = eventText(data.reason);
  const tier = (name: string) => (name ? isolate(name) : t('timeline.noTier'));
  return (
    <Stack gap={2}>
      <Text size="sm" data-testid="loyalty-tier-event">
        {tier(eventText(data.from))} {i18n.dir() === 'rtl' ? '←' : '→'} {tier(eventText(data.to))}
      </Text>
      {reason ? (
        <Text size="xs" c="dimmed">
          {isKeyOf(loyaltyEn.timeline.reasons, reason) ? t(`timeline.reasons.${reason}`) : reason}
        </Text>
      ) : null}
    </Stack>
  );
}

/** The club's events on the customer's timeline (the server's loyalty.club source). */
export const loyaltyTimeline = {
  'loyalty.points': {
    icon: 'star',
    color: 'yellow',
    label: 'loyalty:timeline.types.points',
    Body: PointsBody,
  },
  'loyalty.tier_changed': {
    icon: 'star',
    color: 'grape',
    label: 'loyalty:timeline.types.tier_changed',
    Body: TierChangedBody,
  },
  ...referralsTimeline,
} satisfies Record<string, TimelineRenderer>;
