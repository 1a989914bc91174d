import {
  Button,
  Modal,
  MultiSelect,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FormAlert, notifySaved } from '../../components/errors.tsx';
import { ModalActions } from '../../components/modal-actions.tsx';
import { type CreateContestInput, useCreateContest } from './contests-api.ts';
import { ContestLawNotice } from './contests-notice.tsx';
import { useLoyaltyForm, WholeNumberInput } from './form-fields.tsx';
import type { Tier } from './loyalty-api.ts';
import type { NumberValue } from './program-form.ts';

type ContestForm = {
  name: string;
  description: string;
  prize: string;
  kind: 'draw' | 'skill';
  question: string;
  tierIds: string[];
  minLifetimePoints: NumberValue;
  minAvailablePoints: NumberValue;
  joinedBefore: string;
  entryCostPoints: NumberValue;
  winnersCount: NumberValue;
  opensOn: string;
  closesOn: string;
  draft: boolean;
};

/** A date as a date input holds it (YYYY-MM-DD), in the browser's own time zone. */
const dayOf = (at: Date) => {
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
};
const filled = (value: NumberValue) => value !== '' && Number.isFinite(Number(value));
const whole = (value: NumberValue) => (filled(value) ? Math.round(Number(value)) : null);
/** The start of a day in the browser's time zone, as the API takes moments. */
const startOf = (day: string) => new Date(`${day}T00:00:00`).toISOString();
const endOf = (day: string) => new Date(`${day}T23:59:59.999`).toISOString();

function initial(): ContestForm {
  const today = new Date();
  return {
    name: '',
    description: '',
    prize: '',
    kind: 'skill',
    question: '',
    tierIds: [],
    minLifetimePoints: '',
    minAvailablePoints: '',
    joinedBefore: '',
    entryCostPoints: 0,
    winnersCount: 1,
    opensOn: dayOf(today),
    closesOn: dayOf(new Date(today.getTime() + 30 * 86_400_000)),
    draft: false,
  };
}

function bodyOf(form: ContestForm): CreateContestInput {
  return {
    name: form.name.trim(),
    description: form.description.trim(),
    prize: form.prize.trim(),
    kind: form.kind,
    question: form.kind === 'skill' ? form.question.trim() : '',
    tierIds: form.tierIds,
    minLifetimePoints: whole(form.minLifetimePoints),
    minAvailablePoints: whole(form.minAvailablePoints),
    joinedBefore: form.joinedBefore ? startOf(form.joinedBefore) : null,
    entryCostPoints: whole(form.entryCostPoints) ?? 0,
    winnersCount: whole(form.winnersCount) ?? 1,
    opensAt: startOf(form.opensOn),
    closesAt: endOf(form.closesOn),
    status: form.draft ? 'draft' : 'open',
  };
}

function missingOf(form: ContestForm): string[] {
  const missing: string[] = [];
  if (!form.name.trim()) missing.push('name');
  if (!form.prize.trim()) missing.push('prize');
  if (form.kind === 'skill' && !form.question.trim()) missing.push('question');
  if (!filled(form.winnersCount)) missing.push('winnersCount');
  if (!form.opensOn) missing.push('opensAt');
  if (!form.closesOn) missing.push('closesAt');
  return missing;
}

function ContestFormBody({ tiers, onDone }: { tiers: Tier[]; onDone: () => void }) {
  const { t } = useTranslation(['loyalty', 'shell']);
  const navigate = useNavigate();
  const create = useCreateContest();
  const { form, set, setMissing, errorOf, numberField, textField } = useLoyaltyForm<ContestForm>(initial, create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const empty = missingOf(form);
    setMissing(empty);
    if (empty.length > 0) return;
    create.mutate(bodyOf(form), {
      onSuccess: (contest) => {
        notifySaved(t('contests.form.created'));
        onDone();
        void navigate({ to: '/loyalty/contests/$id', params: { id: contest.id } });
      },
    });
  };
  const shown = [
    'name',
    'description',
    'prize',
    'kind',
    'question',
    'tierIds',
    'minLifetimePoints',
    'minAvailablePoints',
    'joinedBefore',
    'entryCostPoints',
    'winnersCount',
    'opensAt',
    'closesAt',
  ];
  return (
    <form onSubmit={submit} noValidate data-testid="contest-form">
      <Stack gap="sm">
        <ContestLawNotice kind={form.kind} />
        <SegmentedControl
          value={form.kind}
          onChange={(v) => set('kind', v === 'draw' ? 'draw' : 'skill')}
          data={[
            { value: 'skill', label: t('contests.kinds.skill') },
            { value: 'draw', label: t('contests.kinds.draw') },
          ]}
          aria-label={t('contests.form.kind')}
          data-testid="contest-kind"
        />
        <Text size="xs" c="dimmed">
          {t(`contests.form.kindHelp.${form.kind}`)}
        </Text>
        <TextInput
          label={t('contests.form.name')}
          {...textField('name')}
          maxLength={120}
          required
          data-autofocus
          data-testid="contest-name"
        />
        <TextInput
          label={t('contests.form.prize')}
          {...textField('prize')}
          maxLength={300}
          required
          data-testid="contest-prize"
        />
        <Textarea
          label={t('contests.form.description')}
          {...textField('description')}
          maxLength={2000}
          rows={2}
          data-testid="contest-description"
        />
        {form.kind === 'skill' ? (
          <Textarea
            label={t('contests.form.question')}
            {...textField('question')}
            maxLength={2000}
            rows={2}
            required
            data-testid="contest-question"
          />
        ) : null}
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <TextInput
            type="date"
            label={t('contests.form.opensAt')}
            value={form.opensOn}
            onChange={(e) => set('opensOn', e.currentTarget.value)}
            error={errorOf('opensAt')}
            required
            data-testid="contest-opens"
          />
          <TextInput
            type="date"
            label={t('contests.form.closesAt')}
            value={form.closesOn}
            onChange={(e) => set('closesOn', e.currentTarget.value)}
            error={errorOf('closesAt')}
            required
            data-testid="contest-closes"
          />
          <WholeNumberInput
            label={t('contests.form.winnersCount')}
            {...numberField('winnersCount')}
            min={1}
            max={1000}
            required
            data-testid="contest-winners"
          />
          <WholeNumberInput
            label={t('contests.form.entryCost')}
            description={t('contests.form.entryCostHelp')}
            {...numberField('entryCostPoints')}
            min={0}
            thousands
            data-testid="contest-cost"
          />
          <MultiSelect
            label={t('contests.form.tiers')}
            data={tiers.map((tier) => ({ value: tier.id, label: tier.name }))}
            value={form.tierIds}
            onChange={(v) => set('tierIds', v)}
            placeholder={form.tierIds.length === 0 ? t('contests.form.everyTier') : undefined}
            clearable
            error={errorOf('tierIds')}
            data-testid="contest-tiers"
          />
          <TextInput
            type="date"
            label={t('contests.form.joinedBefore')}
            description={t('contests.form.optional')}
            value={form.joinedBefore}
            onChange={(e) => set('joinedBefore', e.currentTarget.value)}
            error={errorOf('joinedBefore')}
            data-testid="contest-joined-before"
          />
          <WholeNumberInput
            label={t('contests.form.minLifetime')}
            description={t('contests.form.optional')}
            {...numberField('minLifetimePoints')}
            min={0}
            thousands
            data-testid="contest-min-lifetime"
          />
          <WholeNumberInput
            label={t('contests.form.minAvailable')}
            description={t('contests.form.optional')}
            {...numberField('minAvailablePoints')}
            min={0}
            thousands
            data-testid="contest-min-available"
          />
        </SimpleGrid>
        <Switch
          label={t('contests.form.draft')}
          checked={form.draft}
          onChange={(e) => set('draft', e.currentTarget.checked)}
          data-testid="contest-draft"
        />
        <FormAlert error={create.error} fields={shown} testId="contest-error" />
        <ModalActions onCancel={onDone}>
          <Button type="submit" loading={create.isPending} data-testid="contest-submit">
            {t('contests.form.create')}
          </Button>
        </ModalActions>
      </Stack>
    </form>
  );
}

/** Sets up a contest: a draw or a skill contest, its prize, who may take part, its dates. */
export function ContestCreateModal({
  opened,
  tiers,
  onClose,
}: {
  opened: boolean;
  tiers: Tier[];
  onClose: () => void;
}) {
  const { t } = useTranslation('loyalty');
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size="lg"
      title={<Text fw={700}>{t('contests.form.title')}</Text>}
      data-testid="contest-modal"
    >
      {opened ? <ContestFormBody tiers={tiers} onDone={onClose} /> : null}
    </Modal>
  );
}
