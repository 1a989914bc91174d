import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock, FormAlert, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { ShekelInput, useLoyaltyForm, WholeNumberInput } from './form-fields.tsx';
import { isNoProgram, type Program, useProgram, useSaveProgram } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';
import { PortalLinks } from './portal-links.tsx';
import {
  bodyOf,
  defaultForm,
  downgrades,
  expiryModes,
  formOf,
  missingFields,
  type NumberValue,
  type ProgramForm,
  qualifications,
  tierBases,
} from './program-form.ts';
import { TiersEditor } from './tiers-editor.tsx';

const serverCodes = {
  'loyalty:tiers.thresholdOrder': 'serverErrors.thresholdOrder',
  'loyalty:tiers.unknown': 'serverErrors.unknownTier',
} as const;

function isServerCode(code: string): code is keyof typeof serverCodes {
  return Object.hasOwn(serverCodes, code);
}

const num = (value: NumberValue) => (typeof value === 'number' ? value : Number(value) || 0);

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <Card withBorder padding="md" data-testid={testId}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      <Stack gap="sm">{children}</Stack>
    </Card>
  );
}

/** The sentence under the earning and redemption fields: the rate as people say it, with an example. */
function RateNote({ children }: { children: ReactNode }) {
  return (
    <Text size="sm" c="dimmed" data-testid="rate-note">
      {children}
    </Text>
  );
}

function ProgramEditor({ program, initial }: { program: Program | null; initial: ProgramForm }) {
  const { t } = useTranslation(['loyalty', 'shell']);
  const lf = useLoyaltyFormat();
  const save = useSaveProgram();
  // A field's message: empty and required, else the server's, worded here when the screen knows its code.
  const { form, setForm, set, setMissing, errorOf, numberField, textField } = useLoyaltyForm(
    initial,
    save.error,
    (hit) => (isServerCode(hit.code) ? t(serverCodes[hit.code]) : hit.message),
  );
  const creating = program === null;
  const shownFields = [
    'name',
    'earnPoints',
    'earnPerAgorot',
    'redeemPoints',
    'redeemValueAgorot',
    'pendingDays',
    'expiryMonths',
    'expiryWarningDays',
    'joinTerms',
    ...form.tiers.flatMap((_, i) =>
      ['name', 'threshold', 'earnMultiplierPct', 'birthdayPoints', 'perks'].map((f) => `tiers.${i}.${f}`),
    ),
  ];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const empty = missingFields(form);
    setMissing(empty);
    if (empty.length > 0) return;
    save.mutate(bodyOf(form), {
      onSuccess: (saved) => {
        notifySaved(creating ? t('settings.created') : t('settings.saved'));
        setForm(formOf(saved));
      },
    });
  };

  const earnPoints = num(form.earnPoints);
  const earnPer = num(form.earnPerShekels);
  const redeemPoints = num(form.redeemPoints);
  const redeemShekels = num(form.redeemShekels);
  const points = (n: number) => t('points.count', { count: n, n: lf.inline(lf.number(n)) });
  const money = (n: number) => lf.inline(lf.money(n));
  const examplePurchase = 200;
  const exampleEarned = earnPer > 0 ? Math.floor((examplePurchase / earnPer) * earnPoints) : 0;
  const onePoint = redeemPoints > 0 ? Math.round((redeemShekels / redeemPoints) * 10_000) / 10_000 : 0;

  return (
    <form onSubmit={submit} noValidate data-testid="loyalty-settings-form">
      <Stack gap="md">
        {creating ? (
          <Alert color="blue" variant="light" data-testid="loyalty-draft-note">
            {t('settings.draftNote')}
          </Alert>
        ) : null}
        <Section title={t('settings.club')}>
          <TextInput
            label={t('settings.name')}
            {...textField('name')}
            maxLength={80}
            required
            data-testid="loyalty-name"
          />
          <Switch
            label={t('settings.active')}
            description={t('settings.activeHelp')}
            checked={form.status === 'active'}
            onChange={(e) => set('status', e.currentTarget.checked ? 'active' : 'paused')}
            data-testid="loyalty-active"
          />
        </Section>

        <Section title={t('settings.earning')}>
          <Group align="flex-start" gap="sm" grow>
            <WholeNumberInput
              label={t('settings.earnPoints')}
              {...numberField('earnPoints')}
              min={1}
              max={1000}
              data-testid="loyalty-earn-points"
            />
            <ShekelInput
              label={t('settings.earnPer', { currency: lf.currencySymbol })}
              {...numberField('earnPerShekels', 'earnPerAgorot')}
              min={0.01}
              data-testid="loyalty-earn-per"
            />
          </Group>
          <RateNote>
            {t('settings.earnSentence', { points: points(earnPoints), amount: money(earnPer) })} ·{' '}
            {t('settings.earnExample', { amount: money(examplePurchase), points: points(exampleEarned) })}
          </RateNote>
          <Group align="flex-start" gap="sm" grow>
            <WholeNumberInput
              label={t('settings.redeemPoints')}
              {...numberField('redeemPoints')}
              min={1}
              thousands
              data-testid="loyalty-redeem-points"
            />
            <ShekelInput
              label={t('settings.redeemValue', { currency: lf.currencySymbol })}
              {...numberField('redeemShekels', 'redeemValueAgorot')}
              data-testid="loyalty-redeem-value"
            />
          </Group>
          <RateNote>
            {t('settings.redeemSentence', { points: points(redeemPoints), amount: money(redeemShekels) })} ·{' '}
            {t('settings.redeemExample', { amount: money(onePoint) })}
          </RateNote>
          <WholeNumberInput
            label={t('settings.pendingDays')}
            description={t('settings.pendingHelp')}
            {...numberField('pendingDays')}
            min={0}
            max={365}
            maw={320}
            data-testid="loyalty-pending-days"
          />
        </Section>

        <Section title={t('settings.expiry')}>
          <Radio.Group
            label={t('settings.expiryMode')}
            value={form.expiryMode}
            onChange={(v) => set('expiryMode', expiryModes.find((m) => m === v) ?? 'none')}
            data-testid="loyalty-expiry-mode"
          >
            <Stack gap={8} mt={6}>
              {expiryModes.map((mode) => (
                <Radio
                  key={mode}
                  value={mode}
                  label={t(`settings.expiryModes.${mode}`)}
                  data-testid={`expiry-${mode}`}
                />
              ))}
            </Stack>
          </Radio.Group>
          {form.expiryMode === 'none' ? null : (
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <WholeNumberInput
                label={
                  form.expiryMode === 'batch' ? t('settings.expiryMonthsBatch') : t('settings.expiryMonthsInactivity')
                }
                {...numberField('expiryMonths')}
                min={1}
                max={120}
                data-testid="loyalty-expiry-months"
              />
              <WholeNumberInput
                label={t('settings.expiryWarningDays')}
                description={t('settings.expiryWarningHelp')}
                {...numberField('expiryWarningDays')}
                min={0}
                max={365}
                data-testid="loyalty-expiry-warning"
              />
            </SimpleGrid>
          )}
        </Section>

        <Section title={t('settings.tiers')} testId="loyalty-tiers">
          <Text size="sm" c="dimmed">
            {t('settings.tiersIntro')}
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <Select
              label={t('settings.tierBasis')}
              data={tierBases.map((b) => ({
                value: b,
                label: t(`settings.tierBases.${b}`, { currency: lf.currencySymbol }),
              }))}
              value={form.tierBasis}
              onChange={(v) => set('tierBasis', tierBases.find((b) => b === v) ?? form.tierBasis)}
              allowDeselect={false}
              data-testid="loyalty-tier-basis"
            />
            <Select
              label={t('settings.qualification')}
              data={qualifications.map((q) => ({ value: q, label: t(`settings.qualifications.${q}`) }))}
              value={form.qualification}
              onChange={(v) => set('qualification', qualifications.find((q) => q === v) ?? form.qualification)}
              allowDeselect={false}
              data-testid="loyalty-qualification"
            />
            <Select
              label={t('settings.downgrade')}
              data={downgrades.map((d) => ({ value: d, label: t(`settings.downgrades.${d}`) }))}
              value={form.downgrade}
              onChange={(v) => set('downgrade', downgrades.find((d) => d === v) ?? form.downgrade)}
              allowDeselect={false}
              disabled={form.qualification === 'lifetime'}
              data-testid="loyalty-downgrade"
            />
          </SimpleGrid>
          <TiersEditor
            tiers={form.tiers}
            basis={form.tierBasis}
            onChange={(tiers) => {
              // Messages name rows by their place in what was sent: once the rows change, they would point wrongly.
              save.reset();
              setMissing([]);
              set('tiers', tiers);
            }}
            errorOf={errorOf}
          />
        </Section>

        <Section title={t('settings.joinTerms')}>
          <Textarea
            label={t('settings.joinTerms')}
            description={t('settings.joinTermsHelp')}
            {...textField('joinTerms')}
            maxLength={2000}
            // A fixed height: a growing box leaves a hidden copy pinned to the page's right edge, which in Hebrew
            // sticks out on the left once the window narrows.
            rows={4}
            data-testid="loyalty-join-terms"
          />
        </Section>

        <FormAlert error={save.error} fields={shownFields} testId="loyalty-settings-error" />
        <Group justify="flex-end">
          <Button
            type="submit"
            loading={save.isPending}
            leftSection={<Icon name="check" size={18} />}
            data-testid="loyalty-save"
          >
            {creating ? t('settings.create') : t('settings.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Before the club exists: what it is, and the way to set it up from suggested settings. */
function NoClubYet({ onStart }: { onStart: () => void }) {
  const { t } = useTranslation('loyalty');
  return (
    <Card withBorder>
      <EmptyBlock title={t('settings.emptyTitle')} text={t('settings.emptyText')} testId="loyalty-settings-empty">
        <Button leftSection={<Icon name="star" size={18} />} onClick={onStart} data-testid="loyalty-setup-start">
          {t('settings.emptyStart')}
        </Button>
      </EmptyBlock>
    </Card>
  );
}

function ClubSettings() {
  const { t, i18n } = useTranslation('loyalty');
  const program = useProgram();
  const [draft, setDraft] = useState<ProgramForm | null>(null);
  let body: ReactNode;
  if (program.isPending) body = <PageLoader />;
  else if (program.isSuccess) body = <ProgramEditor program={program.data} initial={formOf(program.data)} />;
  else if (!isNoProgram(program.error)) {
    body = <QueryError error={program.error} onRetry={() => void program.refetch()} />;
  } else if (draft) body = <ProgramEditor program={null} initial={draft} />;
  else body = <NoClubYet onStart={() => setDraft(defaultForm(t))} />;
  return (
    <Stack gap="md" maw={960} data-testid="loyalty-settings">
      <Anchor component={Link} to="/loyalty" size="sm">
        {i18n.dir() === 'rtl' ? '→' : '←'} {t('settings.back')}
      </Anchor>
      <PageTitle>{t('settings.title')}</PageTitle>
      {program.isSuccess ? <PortalLinks publicKey={program.data.publicKey} /> : null}
      {body}
    </Stack>
  );
}

/** The club's settings: earning and using points, expiry, tiers and join terms; before it exists, its setup. */
export const LoyaltySettingsPage = withPermission('loyalty.manage', ClubSettings);
