import { Button, PasswordInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert, fieldErrorOf } from '../../components/errors.tsx';
import { type Locale, setLanguage } from '../../i18n/index.ts';
import { type Session, useAcceptSession } from '../../session.ts';
import { AuthCard } from './auth-card.tsx';

type SetupBody = { businessName: string; ownerName: string; email: string; password: string; locale: Locale };

export function SetupPage() {
  const { t, i18n } = useTranslation(['auth', 'shell']);
  const accept = useAcceptSession();
  const navigate = useNavigate();
  const [form, setForm] = useState<Omit<SetupBody, 'locale'>>({
    businessName: '',
    ownerName: '',
    email: '',
    password: '',
  });
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  const locale: Locale = i18n.language === 'en' ? 'en' : 'he';

  const mutation = useMutation({
    mutationFn: (body: SetupBody) => api<Session>('/setup', { method: 'POST', body }),
    onSuccess: async (session) => {
      accept(session);
      await navigate({ to: '/' });
    },
  });

  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => {
    // Read the value now: the event's target is gone by the time the updater runs.
    const value = e.currentTarget.value;
    setForm((f) => ({ ...f, [key]: value }));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const missing: Record<string, string | undefined> = {};
    for (const key of ['businessName', 'ownerName', 'email', 'password'] as const) {
      if (!form[key].trim()) missing[key] = t('shell:app.required');
    }
    setLocal(missing);
    if (Object.keys(missing).length > 0) return;
    mutation.mutate({ ...form, locale });
  };
  const err = (field: string) => fieldErrorOf(mutation.error, local, field);

  return (
    <AuthCard title={t('auth.setupTitle')} intro={t('auth.setupIntro')}>
      <form onSubmit={submit} data-testid="setup-form" noValidate>
        <Stack gap="sm">
          <TextInput
            label={t('auth.businessName')}
            value={form.businessName}
            onChange={set('businessName')}
            error={err('businessName')}
            data-testid="setup-business"
            required
            autoFocus
          />
          <TextInput
            label={t('auth.ownerName')}
            value={form.ownerName}
            onChange={set('ownerName')}
            error={err('ownerName')}
            data-testid="setup-owner"
            autoComplete="name"
            required
          />
          <TextInput
            label={t('auth.email')}
            type="email"
            value={form.email}
            onChange={set('email')}
            error={err('email')}
            data-testid="setup-email"
            autoComplete="email"
            classNames={{ input: 'ltr-value' }}
            required
          />
          <PasswordInput
            label={t('auth.password')}
            description={t('auth.passwordHint')}
            value={form.password}
            onChange={set('password')}
            error={err('password')}
            data-testid="setup-password"
            autoComplete="new-password"
            required
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="setup-locale-label">
              {t('auth.language')}
            </Text>
            <SegmentedControl
              aria-labelledby="setup-locale-label"
              value={locale}
              onChange={(value) => setLanguage(value === 'en' ? 'en' : 'he')}
              data={[
                { value: 'he', label: t('shell:lang.he') },
                { value: 'en', label: t('shell:lang.en') },
              ]}
              data-testid="setup-locale"
            />
          </Stack>
          <FormAlert error={mutation.error} fields={['businessName', 'ownerName', 'email', 'password']} />
          <Button type="submit" loading={mutation.isPending} data-testid="setup-submit" size="md">
            {t('auth.setupSubmit')}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
