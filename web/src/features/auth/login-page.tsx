import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { getRouteApi } from '@tanstack/react-router';
import type { FormEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isApiError } from '../../api.ts';
import { FormAlert } from '../../components/errors.tsx';
import type { Session } from '../../session.ts';
import { AuthCard } from './auth-card.tsx';
import { useSessionForm } from './session-form.ts';

const route = getRouteApi('/login');

type LoginBody = { email: string; password: string };

export function LoginPage() {
  const { t } = useTranslation(['auth', 'shell']);
  const { redirect } = route.useSearch();
  const form = useSessionForm(
    { email: '', password: '' },
    (body: LoginBody) => api<Session>('/auth/login', { method: 'POST', body }),
    redirect ?? '/',
  );
  const { mutation, values } = form;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { email: values.email.trim(), password: values.password };
    if (form.require(body)) mutation.mutate(body);
  };

  const error = mutation.error;
  let alert: ReactNode = <FormAlert error={error} fields={['email', 'password']} />;
  if (isApiError(error) && error.status === 401) {
    alert = (
      <Alert color="red" variant="light" data-testid="form-error" role="alert">
        {error.detail || t('auth.badCredentials')}
      </Alert>
    );
  } else if (isApiError(error) && error.status === 429) {
    alert = (
      <Alert color="orange" variant="light" data-testid="form-error" role="alert">
        {error.detail || t('auth.lockedOut')}
      </Alert>
    );
  }

  return (
    <AuthCard title={t('auth.loginTitle')}>
      <form onSubmit={submit} data-testid="login-form" noValidate>
        <Stack gap="sm">
          <TextInput
            label={t('auth.email')}
            type="email"
            {...form.field('email')}
            autoComplete="username"
            classNames={{ input: 'ltr-value' }}
            data-testid="login-email"
            autoFocus
          />
          <PasswordInput
            label={t('auth.password')}
            {...form.field('password')}
            autoComplete="current-password"
            data-testid="login-password"
          />
          {alert}
          <Button type="submit" loading={mutation.isPending} data-testid="login-submit" size="md">
            {t('auth.loginSubmit')}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
