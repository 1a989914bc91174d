import { Alert, Button, Modal, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert, fieldErrorOf, notifySaved } from '../../components/errors.tsx';
import { ModalActions } from '../../components/modal-actions.tsx';
import { type ConductFlag, type Customer360, conductFlags, customerKeys } from './customers-api.ts';

/** A modal that changes one customer. */
type CustomerModalProps = { opened: boolean; onClose: () => void; customer: Customer360 };

/** The change a modal makes: once saved it says so, every customer list and page reloads and the modal closes. */
function useCustomerChange<V>(send: (value: V) => Promise<unknown>, saved: string, onClose: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: async () => {
      notifySaved(saved);
      await queryClient.invalidateQueries({ queryKey: customerKeys.all });
      onClose();
    },
  });
}

export function ConductModal({ opened, onClose, customer }: CustomerModalProps) {
  const { t } = useTranslation(['customers', 'shell']);
  const [flag, setFlag] = useState<ConductFlag | 'none'>(customer.conductFlag ?? 'none');
  const [note, setNote] = useState(customer.conductNote ?? '');
  const mutation = useCustomerChange(
    (body: { conductFlag: ConductFlag | null; conductNote: string | null }) =>
      api(`/customers/${customer.id}`, { method: 'PATCH', body }),
    t('shell:app.saved'),
    onClose,
  );
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
        <ModalActions onCancel={onClose}>
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
        </ModalActions>
      </Stack>
    </Modal>
  );
}

export function EraseModal({ opened, onClose, customer }: CustomerModalProps) {
  const { t } = useTranslation(['customers', 'shell']);
  const [typed, setTyped] = useState('');
  const word = t('erase.word');
  const mutation = useCustomerChange(
    () => api<{ erasedAt: string }>(`/customers/${customer.id}/erase`, { method: 'POST' }),
    t('erase.done'),
    onClose,
  );
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
        <ModalActions onCancel={onClose}>
          <Button
            color="red"
            disabled={!matches}
            loading={mutation.isPending}
            onClick={() => mutation.mutate()}
            data-testid="erase-confirm"
          >
            {t('erase.confirm')}
          </Button>
        </ModalActions>
      </Stack>
    </Modal>
  );
}
