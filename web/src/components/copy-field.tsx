import { Button, CopyButton, Group, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Icon } from './icons.tsx';

/** A value to hand on (a new API key, an invitation link): read-only, selected on focus, with a Copy button. */
export function CopyField({
  value,
  label,
  testId,
  copyTestId,
  monospace = false,
}: {
  value: string;
  /** The field's accessible name (it has no visible label). */
  label: string;
  testId: string;
  copyTestId: string;
  monospace?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" wrap="nowrap">
      <TextInput
        value={value}
        aria-label={label}
        readOnly
        style={{ flex: 1 }}
        classNames={{ input: 'ltr-value' }}
        {...(monospace ? { ff: 'monospace' } : {})}
        data-testid={testId}
        onFocus={(e) => e.currentTarget.select()}
      />
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button
            variant={copied ? 'filled' : 'light'}
            color={copied ? 'teal' : 'indigo'}
            onClick={copy}
            leftSection={<Icon name="copy" size={16} />}
            data-testid={copyTestId}
          >
            {copied ? t('app.copied') : t('app.copy')}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}
