import { Alert, Button, Group, Modal, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert, fieldErrorOf, notifySaved } from '../../components/errors.tsx';
import { type ConductFlag, type Customer360, conductFlags, customerKeys } from './customers-api.ts';

export function ConductModal({
  opened,
  onClose,
  customer,
}: {
  opened: boolean;
  onClose: () => void;
  customer: Customer360;
}) {
  const { t } = useTranslation(['customers', 'shell']);
  const queryClient = useQueryClient();
  const [flag, setFlag] = useState<ConductFlag | 'none'>(customer.conductFlag ?? 'none');
  const [note, setNote] = useState(customer.conductNote ?? '');
  const mutation = useMutation({
    mutationFn: (body: { conductFlag: ConductFlag | null; conductNote: string | null }) =>
      api(`/customers/${customer.id}`, { method: 'PATCH', body }),
    onSuccess: async () => {
      notifySaved(t('shell:app.saved'));
      await queryClient.invalidateQueries({ queryKey: customerKeys.all });
      onClose();
    },
  });
  const { reset } = mutation;
  useEffect(() => {
    if (opened) {
      setFlag(customer.conductFlag ?? 'none');
      setNote(customer.conductNote ?? '');
      reset();
    }
  }, [opened, customer.conductFlag, customer.conductNote, reset]);

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={700}>{t('conduct.title')}</Text>}
      data-testid="conduct-modal"
    >
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          {t('conduct.help')}
        </Text>
        <Select
          label={t('conduct.label')}
          data={[
            { value: 'none', label: t('conduct.none') },
            ...conductFlags.map((f) => ({ value: f, label: t(`conduct.${f}`) })),
          ]}
          value={flag}
          onChange={(v) => setFlag((v as ConductFlag | 'none' | null) ?? 'none')}
          allowDeselect={false}
          error={fieldErrorOf(mutation.error, {}, 'conductFlag')}
          data-testid="conduct-flag"
        />
        <Textarea
          label={t('conduct.note')}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          autosize
          minRows={3}
          error={fieldErrorOf(mutation.error, {}, 'conductNote')}
          disabled={flag === 'none'}
          data-testid="conduct-note"
        />
        <FormAlert error={mutation.error} fields={['conductFlag', 'conductNote']} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('shell:app.cancel')}
          </Button>
          <Button
            loading={mutation.isPending}
            onClick={() =>
              mutation.mutate(
                flag === 'none'
                  ? { conductFlag: null, conductNote: null }
                  : { conductFlag: flag, conductNote: note.trim() ? note.trim() : null },
              )
            }
            data-testid="conduct-save"
          >
            {t('shell:app.save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function EraseModal({
  opened,
  onClose,
  customer,
}: {
  opened: boolean;
  onClose: () => void;
  customer: Customer360;
}) {
  const { t } = useTranslation(['customers', 'shell']);
  const queryClient = useQueryClient();
  const [typed, setTyped] = useState('');
  const word = t('erase.word');
  const mutation = useMutation({
    mutationFn: () => api<{ erasedAt: string }>(`/customers/${customer.id}/erase`, { method: 'POST' }),
    onSuccess: async () => {
      notifySaved(t('erase.done'));
      await queryClient.invalidateQueries({ queryKey: customerKeys.all });
      onClose();
    },
  });
  const { reset } = mutation;
  useEffect(() => {
    if (opened) {
      setTyped('');
      reset();
    }
  }, [opened, reset]);
  const matches = typed.trim().toLowerCase() === word.toLowerCase();
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={700}>{t('erase.title')}</Text>} data-testid="erase-modal">
      <Stack gap="sm">
        <Alert color="red" variant="light">
          {t('erase.text')}
        </Alert>
        <TextInput
          label={t('erase.typeToConfirm', { word })}
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          data-testid="erase-confirm-input"
          autoComplete="off"
        />
        <FormAlert error={mutation.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('shell:app.cancel')}
          </Button>
          <Button
            color="red"
            disabled={!matches}
            loading={mutation.isPending}
            onClick={() => mutation.mutate()}
            data-testid="erase-confirm"
          >
            {t('erase.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
