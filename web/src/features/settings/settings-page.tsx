import { Button, Card, Group, Select, Stack, Tabs, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { RequirePermission } from '../../components/app-layout.tsx';
import { FormAlert, fieldErrorOf, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import type { Locale } from '../../i18n/index.ts';
import { sessionKey } from '../../session.ts';
import { ApiKeysPanel } from './api-keys-panel.tsx';
import type { Settings } from './settings-api.ts';
import { UsersPanel } from './users-panel.tsx';

const route = getRouteApi('/_app/settings');

const timeZones = ['Asia/Jerusalem', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'UTC'];
const currencies = ['ILS', 'USD', 'EUR', 'GBP'];

function BusinessPanel() {
  const { t } = useTranslation(['settings', 'shell']);
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api<Settings>('/settings') });
  const [form, setForm] = useState({ name: '', locale: 'he' as Locale, currency: 'ILS', timeZone: 'Asia/Jerusalem' });
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  useEffect(() => {
    if (settings.data) {
      setForm({
        name: settings.data.name ?? '',
        locale: settings.data.locale === 'en' ? 'en' : 'he',
        currency: settings.data.currency || 'ILS',
        timeZone: settings.data.timeZone || 'Asia/Jerusalem',
      });
    }
  }, [settings.data]);
  const mutation = useMutation({
    mutationFn: (body: typeof form) => api<Settings>('/settings', { method: 'PATCH', body }),
    onSuccess: async () => {
      notifySaved(t('shell:app.saved'));
      await queryClient.invalidateQueries({ queryKey: ['settings'] });
      await queryClient.invalidateQueries({ queryKey: sessionKey });
    },
  });
  if (settings.isPending) return <PageLoader />;
  if (settings.isError) return <QueryError error={settings.error} onRetry={() => void settings.refetch()} />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!form.name.trim()) {
      setLocal({ name: t('shell:app.required') });
      return;
    }
    setLocal({});
    mutation.mutate({ ...form, name: form.name.trim() });
  };
  const withCurrent = (list: string[], value: string) => (list.includes(value) ? list : [value, ...list]);
  return (
    <Card withBorder padding="md" maw={560}>
      <form onSubmit={submit} data-testid="settings-form" noValidate>
        <Stack gap="sm">
          <TextInput
            label={t('settings.businessName')}
            value={form.name}
            onChange={(e) => {
              const name = e.currentTarget.value;
              setForm((f) => ({ ...f, name }));
            }}
            error={fieldErrorOf(mutation.error, local, 'name')}
            data-testid="settings-name"
          />
          <Select
            label={t('settings.locale')}
            data={[
              { value: 'he', label: t('shell:lang.he') },
              { value: 'en', label: t('shell:lang.en') },
            ]}
            value={form.locale}
            onChange={(v) => setForm((f) => ({ ...f, locale: v === 'en' ? 'en' : 'he' }))}
            allowDeselect={false}
            error={fieldErrorOf(mutation.error, local, 'locale')}
            data-testid="settings-locale"
          />
          <Select
            label={t('settings.currency')}
            data={withCurrent(currencies, form.currency)}
            value={form.currency}
            onChange={(v) => v && setForm((f) => ({ ...f, currency: v }))}
            allowDeselect={false}
            error={fieldErrorOf(mutation.error, local, 'currency')}
            data-testid="settings-currency"
          />
          <Select
            label={t('settings.timeZone')}
            data={withCurrent(timeZones, form.timeZone)}
            value={form.timeZone}
            onChange={(v) => v && setForm((f) => ({ ...f, timeZone: v }))}
            allowDeselect={false}
            searchable
            error={fieldErrorOf(mutation.error, local, 'timeZone')}
            data-testid="settings-timezone"
          />
          <FormAlert error={mutation.error} fields={['name', 'locale', 'currency', 'timeZone']} />
          <Group justify="flex-end">
            <Button type="submit" loading={mutation.isPending} data-testid="settings-save">
              {t('shell:app.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function SettingsTabs() {
  const { t } = useTranslation(['settings', 'shell']);
  const { tab = 'business' } = route.useSearch();
  const navigate = useNavigate();
  return (
    <Stack gap="md">
      <PageTitle>{t('settings.title')}</PageTitle>
      <Tabs
        value={tab}
        onChange={(v) =>
          void navigate({ to: '/settings', search: v === 'users' || v === 'apiKeys' ? { tab: v } : {}, replace: true })
        }
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="business" leftSection={<Icon name="settings" size={16} />} data-testid="tab-business">
            {t('settings.business')}
          </Tabs.Tab>
          <Tabs.Tab value="users" leftSection={<Icon name="users" size={16} />} data-testid="tab-users">
            {t('settings.users')}
          </Tabs.Tab>
          <Tabs.Tab value="apiKeys" leftSection={<Icon name="key" size={16} />} data-testid="tab-api-keys">
            {t('settings.apiKeys')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="business">
          <BusinessPanel />
        </Tabs.Panel>
        <Tabs.Panel value="users">
          <UsersPanel />
        </Tabs.Panel>
        <Tabs.Panel value="apiKeys">
          <ApiKeysPanel />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

export function SettingsPage() {
  return (
    <RequirePermission permission="settings.manage">
      <SettingsTabs />
    </RequirePermission>
  );
}
