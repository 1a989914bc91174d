import { Modal, Text } from '@mantine/core';
import { Fragment, type ReactNode } from 'react';

/**
 * A dialog holding a create-or-edit form: its form is made anew each time it opens (`formKey`: the record
 * it edits, or 'new'), so it starts from that record and never from what was typed the last time.
 */
export function FormModal({
  opened,
  onClose,
  title,
  testId,
  formKey,
  children,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  testId: string;
  formKey: string;
  children: ReactNode;
}) {
  return (
    <Modal opened={opened} onClose={onClose} size="lg" title={<Text fw={700}>{title}</Text>} data-testid={testId}>
      {opened ? <Fragment key={formKey}>{children}</Fragment> : null}
    </Modal>
  );
}
