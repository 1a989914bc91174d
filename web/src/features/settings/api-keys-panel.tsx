import { Alert, Badge, Button, Card, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { CopyField } from '../../components/copy-field.tsx';
import { notifyError, notifySaved } from '../../components/errors.tsx';
import { useForm } from '../../components/forms.ts';
import { DataTable, ListStatus } from '../../components/lists.tsx';
import { useFormat } from '../../format.ts';
import { type Role, useSession } from '../../session.ts';
import { GrantForm, grantableRoles, RoleSelect } from './grant-form.tsx';
import type { ApiKey, CreatedApiKey } from './settings-api.ts';

function NewKeyForm() {
  const { t } = useTranslation(['settings', 'shell']);
  const session = useSession();
  const queryClient = useQueryClient();
  const form = useForm<{ name: string; role: Role }>({ name: '', role: 'agent' });
  const create = useMutation({
    mutationFn: (body: { name: string; role: Role }) => api<CreatedApiKey>('/api-keys', { method: 'POST', body }),
    onSuccess: () => {
      form.set('name', '');
      void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = form.values.name.trim();
    if (form.require({ name })) create.mutate({ name, role: form.values.role });
  };
  const created = create.data;
  return (
    <GrantForm
      testId="api-key-form"
      onSubmit={submit}
      submit={{ label: t('settings.createKey'), icon: 'key', testId: 'api-key-create', loading: create.isPending }}
      error={create.error}
      fields={['name', 'role']}
      result={
        created ? (
          <Alert color="yellow" variant="light" title={t('settings.keyCreated')} data-testid="api-key-created">
            <Stack gap="xs">
              <Text size="sm" fw={600}>
                {t('settings.keyWarning')}
              </Text>
              <CopyField
                value={created.key}
                label={t('settings.keyCreated')}
                testId="api-key-value"
                copyTestId="api-key-copy"
                monospace
              />
            </Stack>
          </Alert>
        ) : null
      }
    >
      <TextInput
        label={t('settings.keyName')}
        placeholder={t('settings.keyNamePlaceholder')}
        value={form.values.name}
        onChange={form.text('name')}
        error={form.errorOf(create.error, 'name')}
        style={{ flex: '1 1 240px' }}
        data-testid="api-key-name"
      />
      <RoleSelect
        label={t('settings.role')}
        roles={grantableRoles(session).filter((r) => r !== 'shopper')}
        value={form.values.role}
        onChange={(role) => form.set('role', role)}
        error={form.errorOf(create.error, 'role')}
        style={{ flex: '1 1 180px' }}
        data-testid="api-key-role"
      />
    </GrantForm>
  );
}

export function ApiKeysPanel() {
  const { t } = useTranslation(['settings', 'shell']);
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => api<{ items: ApiKey[] }>('/api-keys') });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api-keys/${id}`, { method: 'DELETE' }),
    onSuccess: () => {
      setRevoking(null);
      notifySaved(t('settings.revoked'));
    },
    onError: (error) => notifyError(error),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const items = keys.data?.items ?? [];
  return (
    <Stack gap="md">
      <Card withBorder padding="md">
        <Text size="sm" c="dimmed" mb="sm">
          {t('settings.keysIntro')}
        </Text>
        <NewKeyForm />
      </Card>
      <Card withBorder padding="md">
        <ListStatus query={keys} isEmpty={Boolean(keys.data) && items.length === 0} empty={t('settings.noKeys')} />
        {items.length > 0 ? (
          <DataTable
            minWidth={680}
            verticalSpacing="sm"
            data-testid="api-keys-table"
            columns={[
              t('settings.keyName'),
              t('settings.prefix'),
              t('settings.role'),
              t('settings.created'),
              t('settings.lastUsed'),
              '',
            ]}
          >
            {items.map((k) => (
              // A revoked key reads as dimmed text (still 4.5:1), not as a faded row that no one can read.
              <Table.Tr key={k.id} data-testid="api-key-row" {...(k.revokedAt ? { c: 'dimmed' } : {})}>
                <Table.Td fw={600}>{k.name}</Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace" className="ltr-value">
                    {k.prefix}…
                  </Text>
                </Table.Td>
                <Table.Td>{t(`shell:roles.${k.role}`)}</Table.Td>
                <Table.Td>{fmt.date(k.createdAt)}</Table.Td>
                <Table.Td>{k.lastUsedAt ? fmt.dateTime(k.lastUsedAt) : t('settings.never')}</Table.Td>
                <Table.Td>
                  {k.revokedAt ? (
                    <Badge color="gray" variant="light">
                      {t('settings.revoked')}
                    </Badge>
                  ) : (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={() => setRevoking(k)}
                      data-testid="api-key-revoke"
                    >
                      {t('settings.revoke')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        ) : null}
      </Card>
      <ConfirmModal
        opened={revoking !== null}
        onClose={() => setRevoking(null)}
        title={t('settings.revoke')}
        text={t('settings.revokeConfirm', { name: revoking?.name ?? '' })}
        confirm={t('settings.revoke')}
        color="red"
        loading={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        confirmTestId="api-key-revoke-confirm"
      />
    </Stack>
  );
}
