import {
  Alert,
  Badge,
  Button,
  Card,
  CopyButton,
  Group,
  Loader,
  Progress,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { Link, useParams } from '@tanstack/react-router';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api.ts';
import { CopyField } from '../../components/copy-field.tsx';
import { FormAlert, fieldErrorOf, notifyError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { isolate } from '../../format.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';
import {
  type PortalCoupon,
  type PortalLine,
  type PortalMe,
  type PortalReward,
  useClub,
  useConsent,
  usePortalHistory,
  usePortalLogout,
  usePortalMe,
  useRedeem,
  useRequestCode,
  useVerifyCode,
} from './portal-api.ts';
import { PortalShell } from './portal-shell.tsx';
import { whatsAppShareUrl } from './referrals-api.ts';

/** /club/:publicKey: the member signs in by a code in two steps, then sees their points, rewards and settings. */
export function PortalPage() {
  const { t } = useTranslation('loyalty');
  const { publicKey = '' } = useParams({ strict: false }) as { publicKey?: string };
  const club = useClub(publicKey);
  const me = usePortalMe(publicKey);
  const name = club.data?.name ?? me.data?.club.name ?? null;
  let body: ReactNode;
  if (club.isError && isApiError(club.error) && club.error.status === 404) {
    body = (
      <Alert color="gray" data-testid="portal-not-found">
        {t('portal.notFound')}
      </Alert>
    );
  } else if (me.isPending) {
    body = (
      <Group justify="center" py="xl">
        <Loader />
      </Group>
    );
  } else if (me.data) {
    body = <MemberHome publicKey={publicKey} me={me.data} />;
  } else if (me.data === null) {
    body = <SignIn publicKey={publicKey} />;
  } else {
    body = <FormAlert error={me.error} />;
  }
  return <PortalShell club={name}>{body}</PortalShell>;
}

/** Two steps: the address, then the code sent to it. The reply is the same whether or not it is a member's. */
function SignIn({ publicKey }: { publicKey: string }) {
  const { t } = useTranslation(['loyalty', 'shell']);
  const request = useRequestCode(publicKey);
  const verify = useVerifyCode(publicKey);
  const [by, setBy] = useState<'email' | 'phone'>('email');
  const [address, setAddress] = useState('');
  const [code, setCode] = useState('');
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  const contact = () => (by === 'email' ? { email: address.trim() } : { phone: address.trim() });
  const sent = request.isSuccess ? request.data : null;

  const send = (e: FormEvent) => {
    e.preventDefault();
    if (!address.trim()) {
      setLocal({ address: t('shell:app.required') });
      return;
    }
    setLocal({});
    verify.reset();
    setCode('');
    request.mutate(contact());
  };
  const check = (e: FormEvent) => {
    e.preventDefault();
    if (!/^\d{6}$/.test(code.trim())) {
      setLocal({ code: t('shell:app.required') });
      return;
    }
    setLocal({});
    verify.mutate({ ...contact(), code: code.trim() });
  };

  return (
    <Card withBorder radius="lg" padding="lg" data-testid="portal-sign-in">
      <Stack gap="sm">
        <Title order={1} size="h2">
          {t('portal.login.title')}
        </Title>
        <Text c="dimmed">{t('portal.login.intro')}</Text>
        {!sent ? (
          <form onSubmit={send} noValidate>
            <Stack gap="sm">
              <SegmentedControl
                value={by}
                onChange={(v) => {
                  setBy(v === 'phone' ? 'phone' : 'email');
                  setAddress('');
                }}
                data={[
                  { value: 'email', label: t('portal.login.byEmail') },
                  { value: 'phone', label: t('portal.login.byPhone') },
                ]}
                data-testid="portal-login-by"
              />
              <TextInput
                label={by === 'email' ? t('portal.login.byEmail') : t('portal.login.byPhone')}
                type={by === 'email' ? 'email' : 'tel'}
                inputMode={by === 'email' ? 'email' : 'tel'}
                autoComplete={by === 'email' ? 'email' : 'tel'}
                value={address}
                onChange={(e) => setAddress(e.currentTarget.value)}
                error={local.address ?? fieldErrorOf(request.error, {}, by)}
                classNames={{ input: 'ltr-value' }}
                data-testid="portal-login-address"
              />
              <FormAlert error={request.error} fields={['email', 'phone']} />
              <Button type="submit" size="md" loading={request.isPending} data-testid="portal-login-send">
                {t('portal.login.send')}
              </Button>
            </Stack>
          </form>
        ) : (
          <form onSubmit={check} noValidate>
            <Stack gap="sm">
              <Alert color="blue" variant="light" data-testid="portal-code-sent">
                {t('portal.login.sent', { address: isolate(address.trim()), minutes: sent.expiresInMinutes })}
              </Alert>
              <TextInput
                label={t('portal.login.code')}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={6}
                value={code}
                onChange={(e) => setCode(e.currentTarget.value.replace(/\D/g, ''))}
                error={local.code}
                classNames={{ input: 'ltr-value' }}
                ff="monospace"
                size="lg"
                data-testid="portal-login-code"
              />
              <FormAlert error={verify.error} />
              <Button type="submit" size="md" loading={verify.isPending} data-testid="portal-login-verify">
                {t('portal.login.verify')}
              </Button>
              <Group justify="space-between">
                <Button variant="subtle" size="compact-sm" onClick={() => request.mutate(contact())}>
                  {t('portal.login.resend')}
                </Button>
                <Button
                  variant="subtle"
                  size="compact-sm"
                  onClick={() => {
                    request.reset();
                    verify.reset();
                  }}
                >
                  {t('portal.login.change')}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        <Text size="sm" ta="center">
          {t('portal.login.notMember')}{' '}
          <Link to="/club/$publicKey/join" params={{ publicKey }} data-testid="portal-join-link">
            {t('portal.login.join')}
          </Link>
        </Text>
      </Stack>
    </Card>
  );
}

function MemberHome({ publicKey, me }: { publicKey: string; me: PortalMe }) {
  const { t } = useTranslation('loyalty');
  const logout = usePortalLogout(publicKey);
  return (
    <Stack gap="md" data-testid="portal-home">
      <Group justify="space-between">
        <Title order={1} size="h3">
          {me.name ? t('portal.home.hello', { name: me.name }) : t('portal.home.helloNoName')}
        </Title>
        <Button
          variant="subtle"
          size="compact-sm"
          leftSection={<Icon name="logout" size={16} />}
          onClick={() => logout.mutate()}
          loading={logout.isPending}
          data-testid="portal-logout"
        >
          {t('portal.home.logout')}
        </Button>
      </Group>
      <BalanceCard me={me} />
      <TierCard me={me} />
      <RewardsCard publicKey={publicKey} me={me} />
      <CouponsCard coupons={me.coupons} />
      <HistoryCard publicKey={publicKey} me={me} />
      <ReferralCard me={me} />
      <ConsentCard publicKey={publicKey} me={me} />
    </Stack>
  );
}

function usePoints() {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  return (n: number) => t('points.count', { count: n, n: lf.inline(lf.number(n)) });
}

function BalanceCard({ me }: { me: PortalMe }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const points = usePoints();
  return (
    <Card withBorder radius="lg" padding="lg" bg="indigo.8" c="white" data-testid="portal-balance">
      <Text size="sm">{t('portal.home.balance')}</Text>
      <Text fz={40} fw={800} lh={1.1} data-testid="portal-available">
        {lf.number(me.available)}
      </Text>
      <Text size="sm">{t('portal.home.worth', { value: lf.inline(lf.money(me.availableValue)) })}</Text>
      {me.pendingLots.length > 0 ? (
        <Stack gap={2} mt="sm" data-testid="portal-pending">
          <Text size="sm" fw={600}>
            {t('portal.home.pending')}: {points(me.pending)}
          </Text>
          {me.pendingLots.map((lot) => (
            <Text size="xs" key={`${lot.releaseAt}-${lot.points}`}>
              {t('portal.home.pendingLine', { points: points(lot.points), date: lf.date(lot.releaseAt) })}
            </Text>
          ))}
        </Stack>
      ) : null}
      {me.expiringSoon.map((lot) => (
        <Text size="xs" key={`${lot.expiresAt}-${lot.points}`} mt={4}>
          {t('portal.home.expiring', { points: points(lot.points), date: lf.date(lot.expiresAt) })}
        </Text>
      ))}
    </Card>
  );
}

function TierCard({ me }: { me: PortalMe }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const points = usePoints();
  const amount = (v: number) => (me.tierBasis === 'spend' ? lf.agorot(v) : points(v));
  const from = me.tier?.threshold ?? 0;
  const progress = me.nextTier
    ? Math.min(100, Math.max(0, ((me.qualifyingValue - from) / Math.max(1, me.nextTier.threshold - from)) * 100))
    : 100;
  return (
    <Card withBorder radius="lg" padding="md" data-testid="portal-tier">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>{t('portal.home.tier')}</Text>
        <Badge size="lg" variant="light">
          {me.tier?.name ?? t('portal.home.noTier')}
        </Badge>
      </Group>
      <Progress value={progress} size="lg" radius="xl" aria-label={t('portal.home.tier')} />
      <Text size="sm" c="dimmed" mt="xs">
        {me.nextTier
          ? t('portal.home.nextTier', { remaining: lf.inline(amount(me.nextTier.remaining)), tier: me.nextTier.name })
          : t('portal.home.topTier')}
      </Text>
    </Card>
  );
}

function RewardsCard({ publicKey, me }: { publicKey: string; me: PortalMe }) {
  const { t } = useTranslation(['loyalty', 'shell']);
  const redeem = useRedeem(publicKey);
  const [coupon, setCoupon] = useState<PortalCoupon | null>(null);
  const press = (reward: PortalReward) =>
    redeem.mutate(
      { rewardId: reward.id, idempotencyKey: crypto.randomUUID() },
      { onSuccess: (c) => setCoupon(c), onError: notifyError },
    );
  return (
    <Card withBorder radius="lg" padding="md" data-testid="portal-rewards">
      <Title order={2} size="h4" mb="xs">
        {t('portal.home.rewards')}
      </Title>
      {coupon ? (
        <Alert color="teal" mb="sm" data-testid="portal-redeemed">
          <Stack gap={4}>
            <Text size="sm">{t('portal.home.redeemed')}</Text>
            <Group gap="xs">
              <Text ff="monospace" fw={700} fz="xl" className="ltr-value" data-testid="portal-coupon-code">
                {coupon.code}
              </Text>
              <CopyButton value={coupon.code}>
                {({ copied, copy }) => (
                  <Button size="compact-sm" variant="light" onClick={copy} leftSection={<Icon name="copy" size={14} />}>
                    {copied ? t('shell:app.copied') : t('shell:app.copy')}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Text size="xs">{t('portal.home.redeemedHint')}</Text>
          </Stack>
        </Alert>
      ) : null}
      {me.rewards.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('portal.home.noRewards')}
        </Text>
      ) : (
        <Stack gap="sm">
          {me.rewards.map((reward) => (
            <RewardRow
              key={reward.id}
              reward={reward}
              busy={redeem.isPending && redeem.variables?.rewardId === reward.id}
              onRedeem={() => press(reward)}
            />
          ))}
        </Stack>
      )}
    </Card>
  );
}

function RewardRow({ reward, busy, onRedeem }: { reward: PortalReward; busy: boolean; onRedeem: () => void }) {
  const { t } = useTranslation('loyalty');
  const points = usePoints();
  return (
    <Group justify="space-between" wrap="nowrap" align="flex-start" data-testid="portal-reward">
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Text fw={600}>{reward.name}</Text>
        {reward.description ? (
          <Text size="sm" c="dimmed">
            {reward.description}
          </Text>
        ) : null}
        {reward.reason ? (
          <Text size="xs" c="dimmed">
            {t(`portal.home.reasons.${reward.reason}`)}
          </Text>
        ) : null}
      </Stack>
      <Button
        size="compact-md"
        disabled={!reward.eligible}
        loading={busy}
        onClick={onRedeem}
        data-testid="portal-redeem"
        style={{ flexShrink: 0 }}
      >
        {t('portal.home.redeem', { points: points(reward.pointsCost) })}
      </Button>
    </Group>
  );
}

function CouponsCard({ coupons }: { coupons: PortalCoupon[] }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  return (
    <Card withBorder radius="lg" padding="md" data-testid="portal-coupons">
      <Title order={2} size="h4" mb="xs">
        {t('portal.home.coupons')}
      </Title>
      {coupons.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('portal.home.noCoupons')}
        </Text>
      ) : (
        <Stack gap="xs">
          {coupons.map((c) => (
            <Group key={c.id} justify="space-between" wrap="nowrap">
              <Stack gap={0}>
                <Text size="sm" fw={600}>
                  {c.name}
                </Text>
                <Text size="sm" ff="monospace" className="ltr-value">
                  {c.code}
                </Text>
                {c.expiresAt && c.status === 'active' ? (
                  <Text size="xs" c="dimmed">
                    {t('portal.home.validUntil', { date: lf.date(c.expiresAt) })}
                  </Text>
                ) : null}
              </Stack>
              <Badge color={c.status === 'active' ? 'teal' : 'gray'} variant="light">
                {t(`portal.home.couponStatus.${c.status}`)}
              </Badge>
            </Group>
          ))}
        </Stack>
      )}
    </Card>
  );
}

function HistoryCard({ publicKey, me }: { publicKey: string; me: PortalMe }) {
  const { t } = useTranslation('loyalty');
  const more = usePortalHistory(publicKey, me.history.nextCursor);
  const extra = more.data?.pages.flatMap((p) => p.items) ?? [];
  const lines = [...me.history.items, ...extra];
  const next = more.data ? more.data.pages.at(-1)?.nextCursor : me.history.nextCursor;
  return (
    <Card withBorder radius="lg" padding="md" data-testid="portal-history">
      <Title order={2} size="h4" mb="xs">
        {t('portal.home.history')}
      </Title>
      {lines.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('portal.home.noHistory')}
        </Text>
      ) : (
        <Stack gap={6}>
          {lines.map((line) => (
            <HistoryLine key={line.id} line={line} />
          ))}
        </Stack>
      )}
      {next ? (
        <Button
          variant="subtle"
          mt="xs"
          loading={more.isFetching}
          onClick={() => (more.data ? more.fetchNextPage() : more.refetch())}
          data-testid="portal-history-more"
        >
          {t('portal.home.more')}
        </Button>
      ) : null}
    </Card>
  );
}

function HistoryLine({ line }: { line: PortalLine }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const shown = line.kind === 'release' ? line.released : line.points;
  return (
    <Group justify="space-between" wrap="nowrap">
      <Stack gap={0}>
        <Text size="sm">
          {line.label ? `${t(`portal.home.kinds.${line.kind}`)}: ${line.label}` : t(`portal.home.kinds.${line.kind}`)}
        </Text>
        <Text size="xs" c="dimmed">
          {lf.date(line.occurredAt)}
        </Text>
      </Stack>
      <Text size="sm" fw={600} c={shown < 0 ? 'red' : 'teal'} className="ltr-value">
        {lf.signed(shown)}
      </Text>
    </Group>
  );
}

function ReferralCard({ me }: { me: PortalMe }) {
  const { t } = useTranslation('loyalty');
  const points = usePoints();
  if (!me.referral.enabled || !me.referral.link) return null;
  const text = t('portal.home.invitation', { club: me.club.name, link: me.referral.link });
  return (
    <Card withBorder radius="lg" padding="md" data-testid="portal-referral">
      <Title order={2} size="h4" mb={4}>
        {t('portal.home.refer')}
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        {t('portal.home.referText', {
          referrer: points(me.referral.referrerPoints),
          friend: points(me.referral.friendPoints),
        })}
      </Text>
      <CopyField
        value={me.referral.link}
        label={t('portal.home.referLink')}
        testId="portal-referral-link"
        copyTestId="portal-referral-copy"
      />
      <Button
        component="a"
        href={whatsAppShareUrl(text)}
        target="_blank"
        rel="noopener noreferrer"
        variant="light"
        color="green"
        mt="xs"
        leftSection={<Icon name="userPlus" size={16} />}
        data-testid="portal-whatsapp"
      >
        {t('portal.home.whatsApp')}
      </Button>
    </Card>
  );
}

function ConsentCard({ publicKey, me }: { publicKey: string; me: PortalMe }) {
  const { t } = useTranslation('loyalty');
  const consent = useConsent(publicKey);
  const on = consent.isPending && consent.variables !== undefined ? consent.variables : me.messagesConsent;
  return (
    <Card withBorder radius="lg" padding="md" data-testid="portal-consent">
      <Switch
        checked={on}
        onChange={(e) => consent.mutate(e.currentTarget.checked, { onError: notifyError })}
        disabled={consent.isPending}
        label={t('portal.home.consent')}
        description={t('portal.home.consentHelp')}
        data-testid="portal-consent-switch"
      />
      <Text size="xs" c="dimmed" mt="xs">
        {on ? t('portal.home.consentOn') : t('portal.home.consentOff')}
      </Text>
    </Card>
  );
}
