import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** The buttons at the foot of a modal or popover: Cancel, then the action(s) it offers. */
export function ModalActions({
  onCancel,
  size,
  gap,
  children,
}: {
  onCancel: () => void;
  size?: 'xs';
  gap?: 'xs';
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" {...(gap ? { gap } : {})}>
      <Button variant="default" {...(size ? { size } : {})} onClick={onCancel}>
        {t('app.cancel')}
      </Button>
      {children}
    </Group>
  );
}
