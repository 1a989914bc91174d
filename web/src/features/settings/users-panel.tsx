import { Alert, Badge, Button, Card, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { CopyField } from '../../components/copy-field.tsx';
import { notifyError, notifySaved } from '../../components/errors.tsx';
import { useForm } from '../../components/forms.ts';
import { DataTable, ListStatus } from '../../components/lists.tsx';
import { isolate, useFormat } from '../../format.ts';
import { type Role, useSession } from '../../session.ts';
import { GrantForm, grantableRoles, RoleSelect } from './grant-form.tsx';
import type { Invitation, WorkspaceUser } from './settings-api.ts';

function absolute(url: string): string {
  return url.startsWith('/') ? `${window.location.origin}${url}` : url;
}

function InviteForm() {
  const { t } = useTranslation(['settings', 'shell']);
  const fmt = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const form = useForm<{ email: string; role: Role }>({ email: '', role: 'agent' });
  const mutation = useMutation({
    mutationFn: (body: { email: string; role: Role }) => api<Invitation>('/invitations', { method: 'POST', body }),
    onSuccess: () => {
      form.set('email', '');
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const email = form.values.email.trim();
    if (form.require({ email })) mutation.mutate({ email, role: form.values.role });
  };
  const invitation = mutation.data;
  return (
    <Card withBorder padding="md">
      <Text fw={700} mb="sm">
        {t('settings.invite')}
      </Text>
      <GrantForm
        testId="invite-user-form"
        onSubmit={submit}
        submit={{
          label: t('settings.inviteSubmit'),
          icon: 'userPlus',
          testId: 'invite-submit',
          loading: mutation.isPending,
        }}
        error={mutation.error}
        fields={['email', 'role']}
        result={
          invitation ? (
            <Alert color="teal" variant="light" data-testid="invite-result">
              <Stack gap="xs">
                <Text size="sm">
                  {t('settings.inviteReady', {
                    email: isolate(invitation.email),
                    date: fmt.dateTime(invitation.expiresAt),
                  })}
                </Text>
                <CopyField
                  value={absolute(invitation.inviteUrl)}
                  label={t('settings.inviteLink')}
                  testId="invite-link"
                  copyTestId="invite-copy"
                />
              </Stack>
            </Alert>
          ) : null
        }
      >
        <TextInput
          label={t('settings.email')}
          type="email"
          value={form.values.email}
          onChange={form.text('email')}
          error={form.errorOf(mutation.error, 'email')}
          classNames={{ input: 'ltr-value' }}
          style={{ flex: '1 1 240px' }}
          data-testid="invite-email"
        />
        <RoleSelect
          label={t('settings.role')}
          roles={grantableRoles(session)}
          value={form.values.role}
          onChange={(role) => form.set('role', role)}
          error={form.errorOf(mutation.error, 'role')}
          style={{ flex: '1 1 180px' }}
          data-testid="invite-role"
        />
      </GrantForm>
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
        <ListStatus query={users} />
        {users.data ? (
          <DataTable
            minWidth={720}
            verticalSpacing="sm"
            data-testid="users-table"
            columns={[
              t('settings.name'),
              t('settings.email'),
              t('settings.role'),
              t('settings.status'),
              t('settings.lastLogin'),
              '',
            ]}
          >
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
                    <RoleSelect
                      aria-label={t('settings.role')}
                      roles={manageable ? grantable : [u.role]}
                      value={u.role}
                      onChange={(role) => role !== u.role && update.mutate({ id: u.id, body: { role } })}
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
          </DataTable>
        ) : null}
      </Card>
      <InviteForm />
    </Stack>
  );
}
