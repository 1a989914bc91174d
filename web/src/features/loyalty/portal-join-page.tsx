import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Loader,
  Spoiler,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api.ts';
import { FormAlert, fieldErrorOf } from '../../components/errors.tsx';
import { useLoyaltyFormat } from './loyalty-format.ts';
import { type Club, useClub, useJoin } from './portal-api.ts';
import { PortalShell } from './portal-shell.tsx';

/** /club/:publicKey/join: anyone joins the club, with the club's terms and a separate club-messages consent. */
export function PortalJoinPage() {
  const { t } = useTranslation('loyalty');
  const { publicKey = '' } = useParams({ strict: false }) as { publicKey?: string };
  const search = useSearch({ strict: false }) as { ref?: unknown };
  const ref = typeof search.ref === 'string' && search.ref.length <= 40 ? search.ref : undefined;
  const club = useClub(publicKey);
  if (club.isPending) {
    return (
      <PortalShell club={null}>
        <Group justify="center" py="xl">
          <Loader />
        </Group>
      </PortalShell>
    );
  }
  if (!club.data) {
    return (
      <PortalShell club={null}>
        <Alert
          color={isApiError(club.error) && club.error.status === 404 ? 'gray' : 'red'}
          data-testid="portal-not-found"
        >
          {isApiError(club.error) && club.error.status === 404 ? t('portal.notFound') : club.error?.message}
        </Alert>
      </PortalShell>
    );
  }
  return (
    <PortalShell club={club.data.name}>
      <JoinForm club={club.data} publicKey={publicKey} refCode={ref} />
      <ClubFace club={club.data} />
    </PortalShell>
  );
}

function JoinForm({ club, publicKey, refCode }: { club: Club; publicKey: string; refCode: string | undefined }) {
  const { t } = useTranslation(['loyalty', 'shell']);
  const join = useJoin(publicKey);
  const navigate = useNavigate();
  const [form, setForm] = useState({ firstName: '', lastName: '', email: '', phone: '' });
  const [acceptTerms, setAcceptTerms] = useState(false);
  const [messagesConsent, setMessagesConsent] = useState(false);
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  // The value is read in the handler: React's event has no currentTarget by the time the update runs.
  const set = (field: keyof typeof form) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setForm((f) => ({ ...f, [field]: value }));
  };

  if (join.isSuccess) {
    return (
      <Card withBorder radius="lg" padding="lg" data-testid="portal-join-success">
        <Stack gap="sm">
          <Title order={1} size="h2">
            {t('portal.join.successTitle')}
          </Title>
          <Text>{t('portal.join.successBody', { club: club.name })}</Text>
          <Button
            onClick={() => void navigate({ to: '/club/$publicKey', params: { publicKey } })}
            data-testid="portal-to-home"
          >
            {t('portal.join.toPortal')}
          </Button>
        </Stack>
      </Card>
    );
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const missing: Record<string, string | undefined> = {};
    if (!form.firstName.trim()) missing.firstName = t('shell:app.required');
    if (!form.email.trim() && !form.phone.trim()) missing.email = t('portal.join.contactRequired');
    if (!acceptTerms) missing.acceptTerms = t('portal.join.termsRequired');
    setLocal(missing);
    if (Object.values(missing).some(Boolean)) return;
    join.mutate({
      firstName: form.firstName.trim(),
      ...(form.lastName.trim() ? { lastName: form.lastName.trim() } : {}),
      ...(form.email.trim() ? { email: form.email.trim() } : {}),
      ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
      acceptTerms,
      messagesConsent,
      ...(refCode ? { ref: refCode } : {}),
    });
  };
  const error = (field: string) => fieldErrorOf(join.error, local, field);

  return (
    <Card withBorder radius="lg" padding="lg">
      <form onSubmit={submit} noValidate data-testid="portal-join-form">
        <Stack gap="sm">
          <Title order={1} size="h2">
            {t('portal.join.title', { club: club.name })}
          </Title>
          <Text c="dimmed">{t('portal.join.intro')}</Text>
          {club.status === 'paused' ? <Alert color="yellow">{t('portal.paused')}</Alert> : null}
          {refCode ? (
            <Alert color="teal" variant="light" data-testid="portal-referred">
              {t('portal.join.referred')}
            </Alert>
          ) : null}
          <TextInput
            label={t('portal.join.firstName')}
            value={form.firstName}
            onChange={set('firstName')}
            error={error('firstName')}
            autoComplete="given-name"
            maxLength={80}
            required
            data-testid="portal-first-name"
          />
          <TextInput
            label={t('portal.join.lastName')}
            value={form.lastName}
            onChange={set('lastName')}
            error={error('lastName')}
            autoComplete="family-name"
            maxLength={80}
            data-testid="portal-last-name"
          />
          <TextInput
            label={t('portal.join.email')}
            type="email"
            inputMode="email"
            value={form.email}
            onChange={set('email')}
            error={error('email')}
            autoComplete="email"
            classNames={{ input: 'ltr-value' }}
            maxLength={254}
            data-testid="portal-email"
          />
          <TextInput
            label={t('portal.join.phone')}
            type="tel"
            inputMode="tel"
            value={form.phone}
            onChange={set('phone')}
            error={error('phone')}
            autoComplete="tel"
            classNames={{ input: 'ltr-value' }}
            maxLength={40}
            description={t('portal.join.contactHint')}
            data-testid="portal-phone"
          />
          {club.joinTerms ? (
            <Stack gap={4}>
              <Text size="sm" fw={600}>
                {t('portal.join.terms')}
              </Text>
              <Spoiler maxHeight={72} showLabel="…" hideLabel="▲">
                <Text size="sm" style={{ whiteSpace: 'pre-line' }} data-testid="portal-terms">
                  {club.joinTerms}
                </Text>
              </Spoiler>
            </Stack>
          ) : null}
          <Checkbox
            label={t('portal.join.acceptTerms')}
            checked={acceptTerms}
            onChange={(e) => setAcceptTerms(e.currentTarget.checked)}
            error={error('acceptTerms')}
            data-testid="portal-accept-terms"
          />
          <Checkbox
            label={club.messagesConsentText}
            checked={messagesConsent}
            onChange={(e) => setMessagesConsent(e.currentTarget.checked)}
            data-testid="portal-messages-consent"
          />
          <FormAlert error={join.error} fields={['firstName', 'lastName', 'email', 'phone', 'acceptTerms']} />
          <Button type="submit" size="md" loading={join.isPending} data-testid="portal-join-submit">
            {t('portal.join.submit')}
          </Button>
          <Text size="sm" ta="center">
            {t('portal.join.haveAccount')}{' '}
            <Link to="/club/$publicKey" params={{ publicKey }} data-testid="portal-sign-in-link">
              {t('portal.join.signIn')}
            </Link>
          </Text>
        </Stack>
      </form>
    </Card>
  );
}

/** What the club gives: its tiers with their benefits, and a few of its rewards. */
function ClubFace({ club }: { club: Club }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const points = (n: number) => t('points.count', { count: n, n: lf.inline(lf.number(n)) });
  const threshold = (value: number) => (club.tierBasis === 'spend' ? lf.agorot(value) : points(value));
  return (
    <>
      {club.tiers.length > 0 ? (
        <Card withBorder radius="lg" padding="md" data-testid="portal-tiers">
          <Title order={2} size="h4" mb="xs">
            {t('portal.join.tiers')}
          </Title>
          <Stack gap="xs">
            {club.tiers.map((tier) => (
              <Stack key={tier.rank} gap={2}>
                <Group gap="xs">
                  <Text fw={600}>{tier.name}</Text>
                  {tier.threshold > 0 ? (
                    <Text size="sm" c="dimmed">
                      {t('portal.join.tierFrom', { value: lf.inline(threshold(tier.threshold)) })}
                    </Text>
                  ) : null}
                </Group>
                <Group gap={6}>
                  {tier.earnMultiplierPct !== 100 ? (
                    <Badge variant="light">
                      {t('portal.join.multiplier', { n: lf.number(tier.earnMultiplierPct / 100) })}
                    </Badge>
                  ) : null}
                  {tier.earlyAccess ? <Badge variant="light">{t('portal.join.earlyAccess')}</Badge> : null}
                </Group>
                {tier.perks ? (
                  <Text size="sm" c="dimmed">
                    {tier.perks}
                  </Text>
                ) : null}
              </Stack>
            ))}
          </Stack>
        </Card>
      ) : null}
      {club.rewards.length > 0 ? (
        <Card withBorder radius="lg" padding="md" data-testid="portal-club-rewards">
          <Title order={2} size="h4" mb="xs">
            {t('portal.join.rewards')}
          </Title>
          <Stack gap={6}>
            {club.rewards.map((r) => (
              <Group key={r.id} justify="space-between" wrap="nowrap">
                <Text size="sm">{r.name}</Text>
                <Text size="sm" c="dimmed">
                  {points(r.pointsCost)}
                </Text>
              </Group>
            ))}
          </Stack>
        </Card>
      ) : null}
    </>
  );
}
