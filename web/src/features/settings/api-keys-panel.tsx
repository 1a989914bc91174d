import {
  Alert,
  Badge,
  Button,
  Card,
  CopyButton,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert, fieldErrorOf, notifyError, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { useFormat } from '../../format.ts';
import { type Role, useSession } from '../../session.ts';
import type { ApiKey, CreatedApiKey } from './settings-api.ts';
import { grantableRoles } from './users-panel.tsx';

export function ApiKeysPanel() {
  const { t } = useTranslation(['settings', 'shell']);
  const fmt = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => api<{ items: ApiKey[] }>('/api-keys') });
  const create = useMutation({
    mutationFn: (body: { name: string; role: Role }) => api<CreatedApiKey>('/api-keys', { method: 'POST', body }),
    onSuccess: () => {
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api-keys/${id}`, { method: 'DELETE' }),
    onSuccess: () => {
      setRevoking(null);
      notifySaved(t('settings.revoked'));
    },
    onError: (error) => notifyError(error),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setLocal({ name: t('shell:app.required') });
      return;
    }
    setLocal({});
    create.mutate({ name: name.trim(), role });
  };
  const created = create.data;
  return (
    <Stack gap="md">
      <Card withBorder padding="md">
        <Text size="sm" c="dimmed" mb="sm">
          {t('settings.keysIntro')}
        </Text>
        <form onSubmit={submit} data-testid="api-key-form" noValidate>
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput
              label={t('settings.keyName')}
              placeholder={t('settings.keyNamePlaceholder')}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={fieldErrorOf(create.error, local, 'name')}
              style={{ flex: '1 1 240px' }}
              data-testid="api-key-name"
            />
            <Select
              label={t('settings.role')}
              data={grantableRoles(session)
                .filter((r) => r !== 'shopper')
                .map((r) => ({ value: r, label: t(`shell:roles.${r}`) }))}
              value={role}
              onChange={(v) => v && setRole(v as Role)}
              allowDeselect={false}
              error={fieldErrorOf(create.error, local, 'role')}
              style={{ flex: '1 1 180px' }}
              data-testid="api-key-role"
            />
            <Button
              type="submit"
              mt={25}
              loading={create.isPending}
              leftSection={<Icon name="key" size={16} />}
              data-testid="api-key-create"
            >
              {t('settings.createKey')}
            </Button>
          </Group>
        </form>
        <Stack mt="sm" gap="xs">
          <FormAlert error={create.error} fields={['name', 'role']} />
          {created ? (
            <Alert color="yellow" variant="light" title={t('settings.keyCreated')} data-testid="api-key-created">
              <Stack gap="xs">
                <Text size="sm" fw={600}>
                  {t('settings.keyWarning')}
                </Text>
                <Group gap="xs" wrap="nowrap">
                  <TextInput
                    value={created.key}
                    aria-label={t('settings.keyCreated')}
                    readOnly
                    style={{ flex: 1 }}
                    classNames={{ input: 'ltr-value' }}
                    ff="monospace"
                    data-testid="api-key-value"
                    onFocus={(e) => e.currentTarget.select()}
                  />
                  <CopyButton value={created.key}>
                    {({ copied, copy }) => (
                      <Button
                        variant={copied ? 'filled' : 'light'}
                        color={copied ? 'teal' : 'indigo'}
                        onClick={copy}
                        leftSection={<Icon name="copy" size={16} />}
                        data-testid="api-key-copy"
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
      <Card withBorder padding="md">
        {keys.isPending ? <PageLoader /> : null}
        {keys.isError ? <QueryError error={keys.error} onRetry={() => void keys.refetch()} /> : null}
        {keys.data && keys.data.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('settings.noKeys')}
          </Text>
        ) : null}
        {keys.data && keys.data.items.length > 0 ? (
          <Table.ScrollContainer minWidth={680}>
            <Table verticalSpacing="sm" data-testid="api-keys-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('settings.keyName')}</Table.Th>
                  <Table.Th>{t('settings.prefix')}</Table.Th>
                  <Table.Th>{t('settings.role')}</Table.Th>
                  <Table.Th>{t('settings.created')}</Table.Th>
                  <Table.Th>{t('settings.lastUsed')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {keys.data.items.map((k) => (
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
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Card>
      <Modal
        opened={revoking !== null}
        onClose={() => setRevoking(null)}
        title={<Text fw={700}>{t('settings.revoke')}</Text>}
      >
        <Stack gap="md">
          <Text size="sm">{t('settings.revokeConfirm', { name: revoking?.name ?? '' })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>
              {t('shell:app.cancel')}
            </Button>
            <Button
              color="red"
              loading={revoke.isPending}
              onClick={() => revoking && revoke.mutate(revoking.id)}
              data-testid="api-key-revoke-confirm"
            >
              {t('settings.revoke')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
