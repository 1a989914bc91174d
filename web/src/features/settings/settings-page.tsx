import { Button, Card, Group, Select, type SelectProps, Stack, Tabs, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { withPermission } from '../../components/app-layout.tsx';
import { FormAlert, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { useForm } from '../../components/forms.ts';
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

type BusinessForm = { name: string; locale: Locale; currency: string; timeZone: string };

/** A choice from a short list that keeps the workspace's current value, even one the list lacks. */
function ChoiceSelect({
  choices,
  value,
  onChange,
  ...select
}: Omit<SelectProps, 'data' | 'value' | 'onChange' | 'allowDeselect'> & {
  choices: string[];
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Select
      {...select}
      data={choices.includes(value) ? choices : [value, ...choices]}
      value={value}
      onChange={(v) => v && onChange(v)}
      allowDeselect={false}
    />
  );
}

function BusinessPanel() {
  const { t } = useTranslation(['settings', 'shell']);
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api<Settings>('/settings') });
  const form = useForm<BusinessForm>({ name: '', locale: 'he', currency: 'ILS', timeZone: 'Asia/Jerusalem' });
  const { setValues } = form;
  useEffect(() => {
    if (settings.data) {
      setValues({
        name: settings.data.name ?? '',
        locale: settings.data.locale === 'en' ? 'en' : 'he',
        currency: settings.data.currency || 'ILS',
        timeZone: settings.data.timeZone || 'Asia/Jerusalem',
      });
    }
  }, [settings.data, setValues]);
  const mutation = useMutation({
    mutationFn: (body: BusinessForm) => api<Settings>('/settings', { method: 'PATCH', body }),
    onSuccess: async () => {
      notifySaved(t('shell:app.saved'));
      await queryClient.invalidateQueries({ queryKey: ['settings'] });
      await queryClient.invalidateQueries({ queryKey: sessionKey });
    },
  });
  if (settings.isPending) return <PageLoader />;
  if (settings.isError) return <QueryError error={settings.error} onRetry={() => void settings.refetch()} />;
  const { values } = form;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = values.name.trim();
    if (form.require({ name })) mutation.mutate({ ...values, name });
  };
  const err = (field: string) => form.errorOf(mutation.error, field);
  return (
    <Card withBorder padding="md" maw={560}>
      <form onSubmit={submit} data-testid="settings-form" noValidate>
        <Stack gap="sm">
          <TextInput
            label={t('settings.businessName')}
            value={values.name}
            onChange={form.text('name')}
            error={err('name')}
            data-testid="settings-name"
          />
          <Select
            label={t('settings.locale')}
            data={[
              { value: 'he', label: t('shell:lang.he') },
              { value: 'en', label: t('shell:lang.en') },
            ]}
            value={values.locale}
            onChange={(v) => form.set('locale', v === 'en' ? 'en' : 'he')}
            allowDeselect={false}
            error={err('locale')}
            data-testid="settings-locale"
          />
          <ChoiceSelect
            label={t('settings.currency')}
            choices={currencies}
            value={values.currency}
            onChange={(currency) => form.set('currency', currency)}
            error={err('currency')}
            data-testid="settings-currency"
          />
          <ChoiceSelect
            label={t('settings.timeZone')}
            choices={timeZones}
            value={values.timeZone}
            onChange={(timeZone) => form.set('timeZone', timeZone)}
            searchable
            error={err('timeZone')}
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

export const SettingsPage = withPermission('settings.manage', SettingsTabs);
