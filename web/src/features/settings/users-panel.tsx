import { Alert, Badge, Button, Card, CopyButton, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert, fieldErrorOf, notifyError, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { isolate, useFormat } from '../../format.ts';
import { type Role, type Session, useSession } from '../../session.ts';
import type { Invitation, WorkspaceUser } from './settings-api.ts';

function absolute(url: string): string {
  return url.startsWith('/') ? `${window.location.origin}${url}` : url;
}

/** The roles one may hand out, as the server's own rule gives them in the session: nothing above one's own. */
export function grantableRoles(session: Session | null | undefined): Role[] {
  return session?.grantableRoles ?? [];
}

function InviteForm() {
  const { t } = useTranslation(['settings', 'shell']);
  const fmt = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  const mutation = useMutation({
    mutationFn: (body: { email: string; role: Role }) => api<Invitation>('/invitations', { method: 'POST', body }),
    onSuccess: () => {
      setEmail('');
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!email.trim()) {
      setLocal({ email: t('shell:app.required') });
      return;
    }
    setLocal({});
    mutation.mutate({ email: email.trim(), role });
  };
  const invitation = mutation.data;
  return (
    <Card withBorder padding="md">
      <Text fw={700} mb="sm">
        {t('settings.invite')}
      </Text>
      <form onSubmit={submit} data-testid="invite-user-form" noValidate>
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput
            label={t('settings.email')}
            type="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={fieldErrorOf(mutation.error, local, 'email')}
            classNames={{ input: 'ltr-value' }}
            style={{ flex: '1 1 240px' }}
            data-testid="invite-email"
          />
          <Select
            label={t('settings.role')}
            data={grantableRoles(session).map((r) => ({ value: r, label: t(`shell:roles.${r}`) }))}
            value={role}
            onChange={(v) => v && setRole(v as Role)}
            allowDeselect={false}
            error={fieldErrorOf(mutation.error, local, 'role')}
            style={{ flex: '1 1 180px' }}
            data-testid="invite-role"
          />
          <Button
            type="submit"
            mt={25}
            loading={mutation.isPending}
            leftSection={<Icon name="userPlus" size={16} />}
            data-testid="invite-submit"
          >
            {t('settings.inviteSubmit')}
          </Button>
        </Group>
      </form>
      <Stack mt="sm" gap="xs">
        <FormAlert error={mutation.error} fields={['email', 'role']} />
        {invitation ? (
          <Alert color="teal" variant="light" data-testid="invite-result">
            <Stack gap="xs">
              <Text size="sm">
                {t('settings.inviteReady', {
                  email: isolate(invitation.email),
                  date: fmt.dateTime(invitation.expiresAt),
                })}
              </Text>
              <Group gap="xs" wrap="nowrap">
                <TextInput
                  value={absolute(invitation.inviteUrl)}
                  aria-label={t('settings.inviteLink')}
                  readOnly
                  style={{ flex: 1 }}
                  classNames={{ input: 'ltr-value' }}
                  data-testid="invite-link"
                  onFocus={(e) => e.currentTarget.select()}
                />
                <CopyButton value={absolute(invitation.inviteUrl)}>
                  {({ copied, copy }) => (
                    <Button
                      variant={copied ? 'filled' : 'light'}
                      color={copied ? 'teal' : 'indigo'}
                      onClick={copy}
                      leftSection={<Icon name="copy" size={16} />}
                      data-testid="invite-copy"
                    >
                      {copied ? t('shell:app.copied') : t('shell:app.copy')}
                    </Button>
                  )}
                </CopyButton>
              </Group>
            </Stack>
          </Alert>
        ) : null}
      </Stack>
    </Card>
  );
}

export function UsersPanel() {
  const { t } = useTranslation(['settings', 'shell']);
  const fmt = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api<{ items: WorkspaceUser[] }>('/users') });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: { role?: Role; status?: string } }) =>
      api(`/users/${id}`, { method: 'PATCH', body }),
    onSuccess: () => notifySaved(t('shell:app.saved')),
    onError: (error) => notifyError(error),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['users'] }),
  });
  return (
    <Stack gap="md">
      <Card withBorder padding="md">
        <Text fw={700} mb="sm">
          {t('settings.usersTitle')}
        </Text>
        {users.isPending ? <PageLoader /> : null}
        {users.isError ? <QueryError error={users.error} onRetry={() => void users.refetch()} /> : null}
        {users.data ? (
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="sm" data-testid="users-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('settings.name')}</Table.Th>
                  <Table.Th>{t('settings.email')}</Table.Th>
                  <Table.Th>{t('settings.role')}</Table.Th>
                  <Table.Th>{t('settings.status')}</Table.Th>
                  <Table.Th>{t('settings.lastLogin')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.items.map((u) => {
                  const me = u.id === session?.user.id;
                  // An admin sees an owner's role but cannot change it, nor disable them.
                  const grantable = grantableRoles(session);
                  const manageable = !me && grantable.includes(u.role);
                  return (
                    <Table.Tr key={u.id} data-testid="user-row" data-user-id={u.id}>
                      <Table.Td>
                        <Text size="sm" fw={600}>
                          {u.name}{' '}
                          {me ? (
                            <Text span c="dimmed" size="xs">
                              {t('settings.you')}
                            </Text>
                          ) : null}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" className="ltr-value">
                          {u.email}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Select
                          aria-label={t('settings.role')}
                          data={(manageable ? grantable : [u.role]).map((r) => ({
                            value: r,
                            label: t(`shell:roles.${r}`),
                          }))}
                          value={u.role}
                          onChange={(v) => v && v !== u.role && update.mutate({ id: u.id, body: { role: v as Role } })}
                          allowDeselect={false}
                          disabled={!manageable}
                          size="xs"
                          w={170}
                          data-testid="user-role"
                        />
                      </Table.Td>
                      <Table.Td>
                        <Badge color={u.status === 'active' ? 'teal' : 'gray'} variant="light">
                          {t(`settings.statuses.${u.status}`, { defaultValue: u.status })}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{u.lastLoginAt ? fmt.dateTime(u.lastLoginAt) : t('settings.never')}</Table.Td>
                      <Table.Td>
                        {manageable ? (
                          <Button
                            size="compact-xs"
                            variant="subtle"
                            color={u.status === 'disabled' ? 'teal' : 'red'}
                            onClick={() =>
                              update.mutate({
                                id: u.id,
                                body: { status: u.status === 'disabled' ? 'active' : 'disabled' },
                              })
                            }
                            data-testid="user-toggle"
                          >
                            {u.status === 'disabled' ? t('settings.enable') : t('settings.disable')}
                          </Button>
                        ) : null}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Card>
      <InviteForm />
    </Stack>
  );
}
