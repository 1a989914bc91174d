import {
  Button,
  MultiSelect,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  TextInput,
} from '@mantine/core';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FormAlert, notifySaved } from '../../components/errors.tsx';
import { FormModal } from '../../components/form-modal.tsx';
import { ModalActions } from '../../components/modal-actions.tsx';
import { isKeyOf } from '../../i18n/keys.ts';
import { useLoyaltyForm, WholeNumberInput } from './form-fields.tsx';
import type { Tier } from './loyalty-api.ts';
import type { NumberValue } from './program-form.ts';
import { rulesEn } from './rules.en.ts';
import {
  isNamedEvent,
  limitPeriods,
  namedEvents,
  type Rule,
  type RuleInput,
  ruleAwards,
  useRuleProducts,
  useSaveRule,
} from './rules-api.ts';

type EventChoice = (typeof namedEvents)[number] | 'custom';

type RuleForm = {
  name: string;
  kind: Rule['kind'];
  target: NonNullable<Rule['target']>;
  productIds: string[];
  categories: string[];
  award: NonNullable<Rule['award']>;
  event: EventChoice;
  customEvent: string;
  points: NumberValue;
  multiplierPct: NumberValue;
  pending: boolean;
  tierIds: string[];
  startsOn: string;
  endsOn: string;
  maxPerMember: NumberValue;
  limitPeriod: Rule['limitPeriod'];
  maxTotal: NumberValue;
  active: boolean;
};

const num = (value: NumberValue) => (typeof value === 'number' ? value : Number(value));
const filled = (value: NumberValue) => value !== '' && Number.isFinite(num(value));
const count = (value: NumberValue) => (filled(value) ? Math.round(num(value)) : null);

/** A moment as the date field shows it, in the browser's time zone ('YYYY-MM-DD'). */
function dayOf(at: string | null | undefined): string {
  if (!at) return '';
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
/** The start of a day in the browser's time zone, as the API takes it. */
const startOfDay = (day: string) => new Date(`${day}T00:00:00`).toISOString();

function formOf(rule: Rule | null): RuleForm {
  const eventType = rule?.eventType ?? null;
  return {
    name: rule?.name ?? '',
    kind: rule?.kind ?? 'purchase',
    target: rule?.target ?? 'category',
    productIds: rule?.productIds ?? [],
    categories: rule?.categories ?? [],
    award: rule?.award ?? 'per_ils',
    event: eventType === null ? 'joined' : isNamedEvent(eventType) ? eventType : 'custom',
    customEvent: eventType !== null && !isNamedEvent(eventType) ? eventType : '',
    points: rule?.points ?? '',
    multiplierPct: rule?.multiplierPct ?? 200,
    pending: rule?.pending ?? false,
    tierIds: rule?.tierIds ?? [],
    startsOn: dayOf(rule?.startsAt ?? new Date().toISOString()),
    endsOn: dayOf(rule?.endsAt),
    maxPerMember: rule?.maxPerMember ?? '',
    limitPeriod: rule?.limitPeriod ?? 'ever',
    maxTotal: rule?.maxTotal ?? '',
    active: (rule?.status ?? 'active') === 'active',
  };
}

/** The whole rule as PUT and POST take it: the other kind's fields empty. */
function bodyOf(form: RuleForm, rule: Rule | null): RuleInput {
  const purchase = form.kind === 'purchase';
  const multiplier = purchase && form.award === 'multiplier';
  // An unchanged start keeps its exact moment; a new day starts at its midnight.
  const startsAt = rule && dayOf(rule.startsAt) === form.startsOn ? rule.startsAt : startOfDay(form.startsOn);
  return {
    name: form.name.trim(),
    kind: form.kind,
    status: form.active ? 'active' : 'paused',
    startsAt: String(startsAt),
    endsAt: form.endsOn ? startOfDay(form.endsOn) : null,
    tierIds: form.tierIds,
    target: purchase ? form.target : null,
    productIds: purchase && form.target === 'product' ? form.productIds : [],
    categories: purchase && form.target === 'category' ? form.categories : [],
    award: purchase ? form.award : null,
    eventType: purchase ? null : form.event === 'custom' ? form.customEvent.trim() : form.event,
    points: multiplier ? null : count(form.points),
    multiplierPct: multiplier ? count(form.multiplierPct) : null,
    pending: purchase ? false : form.pending,
    maxPerMember: count(form.maxPerMember),
    limitPeriod: form.limitPeriod,
    maxTotal: count(form.maxTotal),
  };
}

/** What the form lacks before it goes to the server, by the server's field names. */
function missingOf(form: RuleForm): string[] {
  const missing: string[] = [];
  if (!form.name.trim()) missing.push('name');
  if (!form.startsOn) missing.push('startsAt');
  if (form.kind === 'purchase') {
    if (form.target === 'product' && form.productIds.length === 0) missing.push('productIds');
    if (form.target === 'category' && form.categories.length === 0) missing.push('categories');
    if (form.award === 'multiplier' && !filled(form.multiplierPct)) missing.push('multiplierPct');
    if (form.award !== 'multiplier' && !filled(form.points)) missing.push('points');
  } else {
    if (form.event === 'custom' && !form.customEvent.trim()) missing.push('eventType');
    if (!filled(form.points)) missing.push('points');
  }
  return missing;
}

function RuleFormBody({ rule, tiers, onDone }: { rule: Rule | null; tiers: Tier[]; onDone: () => void }) {
  const { t } = useTranslation(['loyalty', 'shell']);
  const save = useSaveRule(rule?.id ?? null);
  // The server's reasons this screen words itself (by their code), in the UI language.
  const word = (hit: { message: string; code: string }) => {
    const key = hit.code.replace(/^loyalty:rules\.errors\./, '');
    return isKeyOf(rulesEn.errors, key) ? t(`rules.errors.${key}`) : hit.message;
  };
  const { form, set, setMissing, errorOf, numberField, textField } = useLoyaltyForm<RuleForm>(
    () => formOf(rule),
    save.error,
    word,
  );
  const purchase = form.kind === 'purchase';
  const products = useRuleProducts(purchase && form.target === 'product');
  const productOptions = (products.data?.items ?? []).map((p) => ({ value: p.id, label: `${p.name} (${p.sku})` }));
  // A product the rule names that is past the first page still shows by its id.
  for (const id of form.productIds) {
    if (!productOptions.some((o) => o.value === id)) productOptions.push({ value: id, label: id });
  }
  const categoryOptions = [...new Set((products.data?.items ?? []).flatMap((p) => (p.category ? [p.category] : [])))];
  const tierError = form.tierIds.map((_, i) => errorOf(`tierIds.${i}`)).find(Boolean);
  const shown = [
    'name',
    'kind',
    'target',
    'productIds',
    'categories',
    'award',
    'eventType',
    'points',
    'multiplierPct',
    'pending',
    'startsAt',
    'endsAt',
    'maxPerMember',
    'limitPeriod',
    'maxTotal',
    ...form.tierIds.map((_, i) => `tierIds.${i}`),
  ];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const empty = missingOf(form);
    setMissing(empty);
    if (empty.length > 0) return;
    save.mutate(bodyOf(form, rule), {
      onSuccess: () => {
        notifySaved(rule ? t('rules.saved') : t('rules.created'));
        onDone();
      },
    });
  };
  const pointsLabel = !purchase
    ? t('rules.form.pointsPerEvent')
    : form.award === 'per_ils'
      ? t('rules.form.pointsPerIls')
      : t('rules.form.pointsPerOrder');
  return (
    <form onSubmit={submit} noValidate data-testid="rule-form">
      <Stack gap="sm">
        <TextInput
          label={t('rules.form.name')}
          {...textField('name')}
          maxLength={120}
          required
          data-autofocus
          data-testid="rule-name"
        />
        <SegmentedControl
          value={form.kind}
          onChange={(v) => set('kind', v === 'event' ? 'event' : 'purchase')}
          data={[
            { value: 'purchase', label: t('rules.kinds.purchase') },
            { value: 'event', label: t('rules.kinds.event') },
          ]}
          aria-label={t('rules.form.kind')}
          disabled={rule !== null}
          data-testid="rule-kind"
        />
        {purchase ? (
          <>
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
              <Select
                label={t('rules.form.target')}
                data={[
                  { value: 'category', label: t('rules.targets.category') },
                  { value: 'product', label: t('rules.targets.product') },
                ]}
                value={form.target}
                onChange={(v) => set('target', v === 'product' ? 'product' : 'category')}
                allowDeselect={false}
                error={errorOf('target')}
                data-testid="rule-target"
              />
              <Select
                label={t('rules.form.award')}
                data={ruleAwards.map((a) => ({ value: a, label: t(`rules.form.awardKinds.${a}`) }))}
                value={form.award}
                onChange={(v) => set('award', ruleAwards.find((a) => a === v) ?? form.award)}
                allowDeselect={false}
                error={errorOf('award')}
                data-testid="rule-award"
              />
            </SimpleGrid>
            {form.target === 'product' ? (
              <MultiSelect
                label={t('rules.form.products')}
                description={t('rules.form.productsHelp')}
                data={productOptions}
                value={form.productIds}
                onChange={(v) => set('productIds', v)}
                searchable
                required
                error={errorOf('productIds')}
                data-testid="rule-products"
              />
            ) : (
              <TagsInput
                label={t('rules.form.categories')}
                description={t('rules.form.categoriesHelp')}
                data={categoryOptions}
                value={form.categories}
                onChange={(v) => set('categories', v)}
                required
                error={errorOf('categories')}
                data-testid="rule-categories"
              />
            )}
          </>
        ) : (
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <Select
              label={t('rules.form.event')}
              data={[...namedEvents, 'custom' as const].map((e) => ({ value: e, label: t(`rules.eventNames.${e}`) }))}
              value={form.event}
              onChange={(v) => set('event', [...namedEvents, 'custom' as const].find((e) => e === v) ?? form.event)}
              allowDeselect={false}
              error={form.event === 'custom' ? undefined : errorOf('eventType')}
              data-testid="rule-event"
            />
            {form.event === 'custom' ? (
              <TextInput
                label={t('rules.form.customEvent')}
                description={t('rules.form.customEventHelp')}
                {...textField('customEvent')}
                error={errorOf('eventType')}
                maxLength={64}
                classNames={{ input: 'ltr-value' }}
                required
                data-testid="rule-custom-event"
              />
            ) : null}
          </SimpleGrid>
        )}
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          {purchase && form.award === 'multiplier' ? (
            <WholeNumberInput
              label={t('rules.form.multiplierPct')}
              description={t('rules.form.multiplierHelp')}
              {...numberField('multiplierPct')}
              min={101}
              max={1000}
              required
              data-testid="rule-multiplier"
            />
          ) : (
            <WholeNumberInput
              label={pointsLabel}
              {...numberField('points')}
              min={1}
              thousands
              required
              data-testid="rule-points"
            />
          )}
          <MultiSelect
            label={t('rules.form.tiers')}
            description={t('rules.form.tiersHelp')}
            data={tiers.map((tier) => ({ value: tier.id, label: tier.name }))}
            value={form.tierIds}
            onChange={(v) => set('tierIds', v)}
            placeholder={form.tierIds.length === 0 ? t('rules.everyTier') : undefined}
            clearable
            error={tierError}
            data-testid="rule-tiers"
          />
          <TextInput
            type="date"
            label={t('rules.form.startsAt')}
            value={form.startsOn}
            onChange={(e) => set('startsOn', e.currentTarget.value)}
            error={errorOf('startsAt')}
            required
            data-testid="rule-starts"
          />
          <TextInput
            type="date"
            label={t('rules.form.endsAt')}
            description={t('rules.form.endsHelp')}
            value={form.endsOn}
            onChange={(e) => set('endsOn', e.currentTarget.value)}
            error={errorOf('endsAt')}
            data-testid="rule-ends"
          />
          <WholeNumberInput
            label={t('rules.form.maxPerMember')}
            description={t('rules.form.optional')}
            {...numberField('maxPerMember')}
            min={1}
            data-testid="rule-max-member"
          />
          <Select
            label={t('rules.form.limitPeriod')}
            data={limitPeriods.map((p) => ({ value: p, label: t(`rules.periods.${p}`) }))}
            value={form.limitPeriod}
            onChange={(v) => set('limitPeriod', limitPeriods.find((p) => p === v) ?? form.limitPeriod)}
            allowDeselect={false}
            disabled={!filled(form.maxPerMember)}
            data-testid="rule-period"
          />
          <WholeNumberInput
            label={t('rules.form.maxTotal')}
            description={t('rules.form.optional')}
            {...numberField('maxTotal')}
            min={1}
            thousands
            data-testid="rule-max-total"
          />
        </SimpleGrid>
        {purchase ? null : (
          <Switch
            label={t('rules.form.pendingLabel')}
            description={t('rules.form.pendingHelp')}
            checked={form.pending}
            onChange={(e) => set('pending', e.currentTarget.checked)}
            data-testid="rule-pending"
          />
        )}
        <Switch
          label={t('rules.form.activeLabel')}
          checked={form.active}
          onChange={(e) => set('active', e.currentTarget.checked)}
          data-testid="rule-active"
        />
        <FormAlert error={save.error} fields={shown} testId="rule-error" />
        <ModalActions onCancel={onDone}>
          <Button type="submit" loading={save.isPending} data-testid="rule-submit">
            {rule ? t('shell:app.save') : t('rules.form.create')}
          </Button>
        </ModalActions>
      </Stack>
    </form>
  );
}

/** Creates an earning rule or changes one: what it rewards, with how many points, for whom, when and how often. */
export function RuleModal({
  opened,
  rule,
  tiers,
  onClose,
}: {
  opened: boolean;
  rule: Rule | null;
  tiers: Tier[];
  onClose: () => void;
}) {
  const { t } = useTranslation('loyalty');
  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title={rule ? t('rules.editTitle') : t('rules.newTitle')}
      testId="rule-modal"
      formKey={rule?.id ?? 'new'}
    >
      <RuleFormBody rule={rule} tiers={tiers} onDone={onClose} />
    </FormModal>
  );
}
