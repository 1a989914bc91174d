import { Button, Select, SimpleGrid, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FormAlert, notifySaved } from '../../components/errors.tsx';
import { FormModal } from '../../components/form-modal.tsx';
import { ModalActions } from '../../components/modal-actions.tsx';
import { ShekelInput, useLoyaltyForm, WholeNumberInput } from './form-fields.tsx';
import type { Tier } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';
import type { NumberValue } from './program-form.ts';
import {
  type BenefitKind,
  benefitKindOrder,
  type CreateRewardInput,
  type Reward,
  useSaveReward,
} from './rewards-api.ts';

type RewardForm = {
  name: string;
  description: string;
  kind: BenefitKind;
  percentOff: NumberValue;
  amountOff: NumberValue;
  itemSku: string;
  minBasket: NumberValue;
  maxDiscount: NumberValue;
  pointsCost: NumberValue;
  minTierRank: string | null;
  stock: NumberValue;
  perMemberLimit: NumberValue;
  couponValidDays: NumberValue;
  active: boolean;
};

const num = (value: NumberValue) => (typeof value === 'number' ? value : Number(value));
const filled = (value: NumberValue) => value !== '' && Number.isFinite(num(value));
/** Shekels as the API takes them: a decimal string ("42.50"). */
const amount = (value: NumberValue) => num(value).toFixed(2);
const count = (value: NumberValue) => (filled(value) ? Math.round(num(value)) : null);

function formOf(reward: Reward | null): RewardForm {
  return {
    name: reward?.name ?? '',
    description: reward?.description ?? '',
    kind: reward?.kind ?? 'amount_discount',
    percentOff: reward?.percentOff ?? '',
    amountOff: reward?.amountOff ? Number(reward.amountOff) : '',
    itemSku: reward?.itemSku ?? '',
    minBasket: reward ? Number(reward.minBasket) : 0,
    maxDiscount: reward?.maxDiscount ? Number(reward.maxDiscount) : '',
    pointsCost: reward?.pointsCost ?? '',
    minTierRank: reward?.minTierRank ? String(reward.minTierRank) : null,
    stock: reward?.stock ?? '',
    perMemberLimit: reward?.perMemberLimit ?? '',
    couponValidDays: reward ? (reward.couponValidDays ?? '') : 30,
    active: reward?.active ?? true,
  };
}

/** The body for create or change: every benefit field given, the ones the kind does not use as null. */
function bodyOf(form: RewardForm): CreateRewardInput {
  const { kind } = form;
  const sku = form.itemSku.trim();
  return {
    name: form.name.trim(),
    description: form.description.trim(),
    kind,
    percentOff: kind === 'percent_discount' ? count(form.percentOff) : null,
    amountOff: kind === 'amount_discount' ? amount(form.amountOff) : null,
    itemSku: (kind === 'gift' || kind === 'free_delivery') && sku ? sku : null,
    minBasket: amount(filled(form.minBasket) ? form.minBasket : 0),
    maxDiscount: kind === 'percent_discount' && filled(form.maxDiscount) ? amount(form.maxDiscount) : null,
    pointsCost: Math.round(num(form.pointsCost)),
    minTierRank: form.minTierRank ? Number(form.minTierRank) : null,
    stock: count(form.stock),
    perMemberLimit: count(form.perMemberLimit),
    couponValidDays: count(form.couponValidDays),
    active: form.active,
  };
}

/** What the form lacks before it goes to the server, by the server's field names. */
function missingOf(form: RewardForm): string[] {
  const missing: string[] = [];
  if (!form.name.trim()) missing.push('name');
  if (!filled(form.pointsCost)) missing.push('pointsCost');
  if (form.kind === 'percent_discount' && !filled(form.percentOff)) missing.push('percentOff');
  if (form.kind === 'amount_discount' && !filled(form.amountOff)) missing.push('amountOff');
  return missing;
}

function RewardFormBody({ reward, tiers, onDone }: { reward: Reward | null; tiers: Tier[]; onDone: () => void }) {
  const { t } = useTranslation(['loyalty', 'shell']);
  const lf = useLoyaltyFormat();
  const save = useSaveReward(reward?.id ?? null);
  const { form, set, setMissing, errorOf, numberField, textField } = useLoyaltyForm<RewardForm>(
    () => formOf(reward),
    save.error,
  );
  const shown = [
    'name',
    'description',
    'kind',
    'percentOff',
    'amountOff',
    'itemSku',
    'minBasket',
    'maxDiscount',
    'pointsCost',
    'minTierRank',
    'stock',
    'perMemberLimit',
    'couponValidDays',
  ];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const empty = missingOf(form);
    setMissing(empty);
    if (empty.length > 0) return;
    save.mutate(bodyOf(form), {
      onSuccess: () => {
        notifySaved(reward ? t('rewards.saved') : t('rewards.created'));
        onDone();
      },
    });
  };
  const shekelLabel = (key: 'rewards.amountOff' | 'rewards.minBasket' | 'rewards.maxDiscount') =>
    t(key, { currency: lf.currencySymbol });
  return (
    <form onSubmit={submit} noValidate data-testid="reward-form">
      <Stack gap="sm">
        <TextInput
          label={t('rewards.name')}
          {...textField('name')}
          maxLength={120}
          required
          data-autofocus
          data-testid="reward-name"
        />
        <Textarea
          label={t('rewards.description')}
          {...textField('description')}
          maxLength={1000}
          // A fixed height: a growing box leaves a hidden copy pinned to the page's right edge, which in Hebrew
          // sticks out on the left once the window narrows.
          rows={2}
          data-testid="reward-description"
        />
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <Select
            label={t('rewards.kind')}
            data={benefitKindOrder.map((k) => ({ value: k, label: t(`rewards.kinds.${k}`) }))}
            value={form.kind}
            onChange={(v) => set('kind', benefitKindOrder.find((k) => k === v) ?? form.kind)}
            allowDeselect={false}
            error={errorOf('kind')}
            data-testid="reward-kind"
          />
          <WholeNumberInput
            label={t('rewards.pointsCost')}
            {...numberField('pointsCost')}
            min={1}
            thousands
            required
            data-testid="reward-points"
          />
          {form.kind === 'percent_discount' ? (
            <>
              <WholeNumberInput
                label={t('rewards.percentOff')}
                {...numberField('percentOff')}
                min={1}
                max={100}
                required
                data-testid="reward-percent"
              />
              <ShekelInput
                label={shekelLabel('rewards.maxDiscount')}
                description={t('rewards.optional')}
                {...numberField('maxDiscount')}
                data-testid="reward-max-discount"
              />
            </>
          ) : null}
          {form.kind === 'amount_discount' ? (
            <ShekelInput
              label={shekelLabel('rewards.amountOff')}
              {...numberField('amountOff')}
              required
              data-testid="reward-amount"
            />
          ) : null}
          {form.kind === 'gift' || form.kind === 'free_delivery' ? (
            <TextInput
              label={form.kind === 'gift' ? t('rewards.giftSku') : t('rewards.deliverySku')}
              description={t('rewards.skuHelp')}
              {...textField('itemSku')}
              maxLength={100}
              classNames={{ input: 'ltr-value' }}
              data-testid="reward-sku"
            />
          ) : null}
          <ShekelInput
            label={shekelLabel('rewards.minBasket')}
            {...numberField('minBasket')}
            data-testid="reward-min-basket"
          />
          <Select
            label={t('rewards.minTier')}
            data={tiers.map((tier) => ({ value: String(tier.rank), label: tier.name }))}
            value={form.minTierRank}
            onChange={(v) => set('minTierRank', v)}
            placeholder={t('rewards.everyMember')}
            clearable
            error={errorOf('minTierRank')}
            data-testid="reward-tier"
          />
          <WholeNumberInput
            label={t('rewards.stock')}
            description={t('rewards.noLimit')}
            {...numberField('stock')}
            min={0}
            data-testid="reward-stock"
          />
          <WholeNumberInput
            label={t('rewards.perMemberLimit')}
            description={t('rewards.noLimit')}
            {...numberField('perMemberLimit')}
            min={1}
            data-testid="reward-per-member"
          />
          <WholeNumberInput
            label={t('rewards.couponValidDays')}
            description={t('rewards.noEnd')}
            {...numberField('couponValidDays')}
            min={1}
            max={3650}
            data-testid="reward-valid-days"
          />
        </SimpleGrid>
        <Switch
          label={t('rewards.active')}
          description={t('rewards.activeHelp')}
          checked={form.active}
          onChange={(e) => set('active', e.currentTarget.checked)}
          data-testid="reward-active"
        />
        <FormAlert error={save.error} fields={shown} testId="reward-error" />
        <ModalActions onCancel={onDone}>
          <Button type="submit" loading={save.isPending} data-testid="reward-submit">
            {reward ? t('shell:app.save') : t('rewards.create')}
          </Button>
        </ModalActions>
      </Stack>
    </form>
  );
}

/** Adds a reward to the catalog or changes one: its benefit, its price in points, who may take it, how many. */
export function RewardModal({
  opened,
  reward,
  tiers,
  onClose,
}: {
  opened: boolean;
  reward: Reward | null;
  tiers: Tier[];
  onClose: () => void;
}) {
  const { t } = useTranslation('loyalty');
  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title={reward ? t('rewards.editTitle') : t('rewards.newTitle')}
      testId="reward-modal"
      formKey={reward?.id ?? 'new'}
    >
      <RewardFormBody reward={reward} tiers={tiers} onDone={onClose} />
    </FormModal>
  );
}
