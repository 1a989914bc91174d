import { Button, Modal, NumberInput, Stack, Text, Textarea } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormAlert, notifySaved } from '../../components/errors.tsx';
import { ModalActions } from '../../components/modal-actions.tsx';
import { type MemberDetail, useAdjustPoints } from './loyalty-api.ts';
import { serverFieldError, useLoyaltyFormat } from './loyalty-format.ts';
import type { NumberValue } from './program-form.ts';

/** Points given or taken by hand, with the reason the ledger and the timeline keep. */
export function AdjustPointsModal({
  member,
  opened,
  onClose,
}: {
  member: MemberDetail;
  opened: boolean;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation(['loyalty', 'shell']);
  const lf = useLoyaltyFormat();
  const adjust = useAdjustPoints(member.customerId);
  const [points, setPoints] = useState<NumberValue>('');
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState<Record<string, string | undefined>>({});
  const close = () => {
    adjust.reset();
    setMissing({});
    setPoints('');
    setNote('');
    onClose();
  };
  const errorOf = (field: 'points' | 'note') => {
    if (missing[field]) return missing[field];
    const hit = serverFieldError(adjust.error, field);
    if (!hit) return undefined;
    return hit.code === 'loyalty:points.zero' ? t('serverErrors.pointsZero') : hit.message;
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = typeof points === 'number' ? points : Number(points);
    const reason = note.trim();
    const found = {
      points:
        points === '' || !Number.isFinite(value)
          ? t('shell:app.required')
          : value === 0
            ? t('serverErrors.pointsZero')
            : undefined,
      note: reason ? undefined : t('shell:app.required'),
    };
    setMissing(found);
    if (found.points || found.note) return;
    adjust.mutate(
      { points: Math.round(value), note: reason },
      {
        onSuccess: () => {
          notifySaved(t('adjust.saved'));
          close();
        },
      },
    );
  };
  return (
    <Modal opened={opened} onClose={close} title={<Text fw={700}>{t('adjust.title')}</Text>} data-testid="adjust-modal">
      <form onSubmit={submit} noValidate data-testid="adjust-form">
        <Stack gap="sm">
          <Text size="sm" data-testid="adjust-current">
            {t('adjust.current', {
              points: t('points.count', { count: member.available, n: lf.inline(lf.number(member.available)) }),
            })}
          </Text>
          <NumberInput
            label={t('adjust.points')}
            description={t('adjust.pointsHelp')}
            value={points}
            onChange={setPoints}
            error={errorOf('points')}
            allowDecimal={false}
            allowNegative
            min={-10_000_000}
            max={10_000_000}
            thousandSeparator=","
            required
            data-autofocus
            hideControls
            // A signed number keeps its minus on the left, aligned where the sentence's numbers are.
            styles={{ input: { direction: 'ltr', textAlign: i18n.dir() === 'rtl' ? 'right' : 'left' } }}
            data-testid="adjust-points"
          />
          <Textarea
            label={t('adjust.note')}
            description={t('adjust.noteHelp')}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={errorOf('note')}
            maxLength={300}
            // A fixed height: a growing box leaves a hidden copy pinned to the page's right edge, which in Hebrew
            // sticks out on the left once the window narrows.
            rows={2}
            required
            data-testid="adjust-note"
          />
          <FormAlert error={adjust.error} fields={['points', 'note']} testId="adjust-error" />
          <ModalActions onCancel={close}>
            <Button type="submit" loading={adjust.isPending} data-testid="adjust-submit">
              {t('adjust.save')}
            </Button>
          </ModalActions>
        </Stack>
      </form>
    </Modal>
  );
}
