import { Button, type MantineColor, Modal, Stack, Text } from '@mantine/core';
import { FormAlert } from './errors.tsx';
import { ModalActions } from './modal-actions.tsx';

/**
 * Asks before an action that cannot be taken back (revoke a key, merge two customers): what will happen, Cancel
 * and the action. `error`, when given, is the action's failure, told above the buttons.
 */
export function ConfirmModal({
  opened,
  onClose,
  onCancel = onClose,
  title,
  text,
  error,
  confirm,
  color,
  loading,
  onConfirm,
  confirmTestId,
  testId,
}: {
  opened: boolean;
  onClose: () => void;
  onCancel?: () => void;
  title: string;
  text: string;
  error?: unknown;
  confirm: string;
  color: MantineColor;
  loading: boolean;
  onConfirm: () => void;
  confirmTestId: string;
  testId?: string;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={700}>{title}</Text>} data-testid={testId}>
      <Stack gap="md">
        <Text size="sm">{text}</Text>
        {error === undefined ? null : <FormAlert error={error} />}
        <ModalActions onCancel={onCancel}>
          <Button color={color} loading={loading} onClick={onConfirm} data-testid={confirmTestId}>
            {confirm}
          </Button>
        </ModalActions>
      </Stack>
    </Modal>
  );
}
