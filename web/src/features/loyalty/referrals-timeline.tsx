import { Anchor, Stack, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import type { Formatters } from '../../format.ts';
import { isKeyOf } from '../../i18n/keys.ts';
import { eventText } from '../customers/customer-timeline.tsx';
import type { TimelineEvent } from '../customers/customers-api.ts';
import type { TimelineRenderer } from '../feature.ts';
import { referralsEn } from './referrals.en.ts';

type BodyProps = { event: TimelineEvent; fmt: Formatters };

/** A link to the referral's other customer (the friend on the referrer's timeline, and the other way round). */
function Other({ id }: { id: string }) {
  const { t } = useTranslation('loyalty');
  if (!id) return null;
  return (
    <Anchor size="xs" renderRoot={(props) => <Link {...props} to="/customers/$id" params={{ id }} />}>
      {t('referrals.timeline.open')}
    </Anchor>
  );
}

/** A referral, on the referrer's timeline and the friend's: who referred whom, and why one does not count. */
function ReferralBody({ event }: BodyProps) {
  const { t } = useTranslation('loyalty');
  const data = event.data ?? {};
  const status = eventText(data.status);
  const reason = eventText(data.reason);
  return (
    <Stack gap={2}>
      <Text size="sm" data-testid="loyalty-referral-event" data-status={status}>
        {eventText(data.role) === 'friend'
          ? t('referrals.timeline.wasReferred')
          : t('referrals.timeline.referredFriend')}
        {isKeyOf(referralsEn.statuses, status) ? ` · ${t(`referrals.statuses.${status}`)}` : ''}
      </Text>
      {isKeyOf(referralsEn.reasons, reason) ? (
        <Text size="xs" c="dimmed">
          {t(`referrals.reasons.${reason}`)}
        </Text>
      ) : null}
      <Other id={eventText(data.otherId)} />
    </Stack>
  );
}

/** The friend's first purchase qualified the referral: this side's points. */
function QualifiedBody({ event, fmt }: BodyProps) {
  const { t } = useTranslation('loyalty');
  const data = event.data ?? {};
  const raw = Number(data.points ?? 0);
  const points = Number.isFinite(raw) ? raw : 0;
  return (
    <Stack gap={2}>
      <Text size="sm" data-testid="loyalty-referral-qualified-event">
        {t('referrals.timeline.qualified', { points: t('points.count', { count: points, n: fmt.number(points) }) })}
      </Text>
      <Other id={eventText(data.otherId)} />
    </Stack>
  );
}

/** The referrals' events on the customer's timeline (the server's loyalty.club source). */
export const referralsTimeline = {
  'loyalty.referral': {
    icon: 'userPlus',
    color: 'teal',
    label: 'loyalty:referrals.timeline.referral',
    Body: ReferralBody,
  },
  'loyalty.referral_qualified': {
    icon: 'userPlus',
    color: 'teal',
    label: 'loyalty:referrals.timeline.referral_qualified',
    Body: QualifiedBody,
  },
} satisfies Record<string, TimelineRenderer>;
