import { Button, Group, Select, type SelectProps, Stack } from '@mantine/core';
import type { FormEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { FormAlert } from '../../components/errors.tsx';
import { Icon, type IconName } from '../../components/icons.tsx';
import type { Role, Session } from '../../session.ts';

/** The roles one may hand out, as the server's own rule gives them in the session: nothing above one's own. */
export function grantableRoles(session: Session | null | undefined): Role[] {
  return session?.grantableRoles ?? [];
}

/** A choice among `roles`, each by its name in the UI language; it always holds one. */
export function RoleSelect({
  roles,
  onChange,
  ...select
}: Omit<SelectProps<Role>, 'data' | 'onChange' | 'allowDeselect'> & {
  roles: readonly Role[];
  onChange: (role: Role) => void;
}) {
  const { t } = useTranslation();
  return (
    <Select
      {...select}
      data={roles.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
      onChange={(v) => v && onChange(v)}
      allowDeselect={false}
    />
  );
}

/**
 * A one-line form that grants a role (invite a team member, create an API key): its fields, the button that
 * sends it, then what went wrong or what was made (`result`: the link, the key).
 */
export function GrantForm({
  testId,
  onSubmit,
  submit,
  error,
  fields,
  result,
  children,
}: {
  testId: string;
  onSubmit: (e: FormEvent) => void;
  submit: { label: string; icon: IconName; testId: string; loading: boolean };
  error: unknown;
  /** The fields the form shows, whose server messages it shows beside them. */
  fields: string[];
  result: ReactNode;
  children: ReactNode;
}) {
  return (
    <>
      <form onSubmit={onSubmit} data-testid={testId} noValidate>
        <Group align="flex-end" gap="sm" wrap="wrap">
          {children}
          <Button
            type="submit"
            mt={25}
            loading={submit.loading}
            leftSection={<Icon name={submit.icon} size={16} />}
            data-testid={submit.testId}
          >
            {submit.label}
          </Button>
        </Group>
      </form>
      <Stack mt="sm" gap="xs">
        <FormAlert error={error} fields={fields} />
        {result}
      </Stack>
    </>
  );
}
