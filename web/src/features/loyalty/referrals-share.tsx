import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CopyField } from '../../components/copy-field.tsx';
import { fieldErrorOf } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { useProgram } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';
import { type EnrolledMember, useReferralLink, whatsAppShareUrl } from './referrals-api.ts';

/**
 * The member card's "refer a friend": the member's code, the share link with a copy button, and a WhatsApp
 * button that opens WhatsApp with a Hebrew (or English) invitation for the member to send; the business never
 * messages the friend.
 */
export function ReferralShare({ customerId, code }: { customerId: string; code: string }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const program = useProgram();
  const link = useReferralLink(customerId, true);
  const club = program.data?.name ?? '';
  const url = link.data?.link ?? null;
  const text = url
    ? t('referrals.card.invitation', { club, link: url })
    : t('referrals.card.invitationCode', { club, code });
  const points = (n: number) => t('points.count', { count: n, n: lf.inline(lf.number(n)) });
  if (link.data && !link.data.enabled) return null;
  return (
    <Stack gap={6} data-testid="referral-share">
      <Text size="sm" fw={600}>
        {t('referrals.card.title')}
      </Text>
      <Text size="xs" c="dimmed">
        {t('referrals.card.code')}:{' '}
        <Text span size="xs" ff="monospace" className="ltr-value" data-testid="referral-code">
          {code}
        </Text>
      </Text>
      {url ? (
        <CopyField
          value={url}
          label={t('referrals.card.linkLabel')}
          testId="referral-link"
          copyTestId="referral-link-copy"
        />
      ) : null}
      {link.data ? (
        <Text size="xs" c="dimmed">
          {t('referrals.card.rewards', {
            referrer: points(link.data.referrerPoints),
            friend: points(link.data.friendPoints),
          })}
        </Text>
      ) : null}
      {/* Once the club's name and the link are in: the invitation is not sent half written. */}
      {program.data && !link.isPending ? (
        <Group>
          <Button
            component="a"
            href={whatsAppShareUrl(text)}
            target="_blank"
            rel="noopener noreferrer"
            variant="default"
            size="compact-sm"
            leftSection={<Icon name="userPlus" size={16} />}
            data-testid="referral-whatsapp"
          >
            {t('referrals.card.whatsApp')}
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

/** On the enrolment form: the code of the member who referred the customer, if the customer gave one. */
export function ReferralCodeField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (code: string) => void;
  error: unknown;
}) {
  const { t } = useTranslation('loyalty');
  return (
    <TextInput
      label={t('referrals.enroll.code')}
      description={t('referrals.enroll.help')}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      maxLength={40}
      classNames={{ input: 'ltr-value' }}
      error={fieldErrorOf(error, {}, 'referralCode')}
      data-testid="loyalty-referral-code"
    />
  );
}

/** What the enrolment says once done: enrolled, and whether the referral counts (and why not). */
export function useEnrolledMessage() {
  const { t } = useTranslation('loyalty');
  return (member: EnrolledMember) => {
    const referral = member.referral;
    if (!referral) return t('card.enrolled');
    if (referral.reason) return t('referrals.enroll.refused', { reason: t(`referrals.reasons.${referral.reason}`) });
    return t('referrals.enroll.referred');
  };
}
