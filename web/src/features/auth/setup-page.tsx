import { Button, PasswordInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert } from '../../components/errors.tsx';
import { type Locale, setLanguage } from '../../i18n/index.ts';
import type { Session } from '../../session.ts';
import { AuthCard } from './auth-card.tsx';
import { useSessionForm } from './session-form.ts';

type SetupBody = { businessName: string; ownerName: string; email: string; password: string; locale: Locale };

export function SetupPage() {
  const { t, i18n } = useTranslation(['auth', 'shell']);
  const form = useSessionForm(
    { businessName: '', ownerName: '', email: '', password: '' },
    (body: SetupBody) => api<Session>('/setup', { method: 'POST', body }),
    '/',
  );
  const { mutation, values } = form;
  const locale: Locale = i18n.language === 'en' ? 'en' : 'he';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const given = {
      businessName: values.businessName.trim(),
      ownerName: values.ownerName.trim(),
      email: values.email.trim(),
      password: values.password.trim(),
    };
    // Every field is required; they go as typed.
    if (form.require(given)) mutation.mutate({ ...values, locale });
  };

  return (
    <AuthCard title={t('auth.setupTitle')} intro={t('auth.setupIntro')}>
      <form onSubmit={submit} data-testid="setup-form" noValidate>
        <Stack gap="sm">
          <TextInput
            label={t('auth.businessName')}
            {...form.field('businessName')}
            data-testid="setup-business"
            required
            autoFocus
          />
          <TextInput
            label={t('auth.ownerName')}
            {...form.field('ownerName')}
            data-testid="setup-owner"
            autoComplete="name"
            required
          />
          <TextInput
            label={t('auth.email')}
            type="email"
            {...form.field('email')}
            data-testid="setup-email"
            autoComplete="email"
            classNames={{ input: 'ltr-value' }}
            required
          />
          <PasswordInput
            label={t('auth.password')}
            description={t('auth.passwordHint')}
            {...form.field('password')}
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
