import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isApiError } from '../../api.ts';
import { FormAlert, fieldErrorOf } from '../../components/errors.tsx';
import { type Session, useAcceptSession } from '../../session.ts';
import { AuthCard } from './auth-card.tsx';

const route = getRouteApi('/login');

export function LoginPage() {
  const { t } = useTranslation(['auth', 'shell']);
  const { redirect } = route.useSearch();
  const navigate = useNavigate();
  const accept = useAcceptSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [local, setLocal] = useState<Record<string, string | undefined>>({});

  const mutation = useMutation({
    mutationFn: (body: { email: string; password: string }) => api<Session>('/auth/login', { method: 'POST', body }),
    onSuccess: async (s) => {
      accept(s);
      await navigate({ to: redirect ?? '/' });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const missing: Record<string, string | undefined> = {};
    if (!email.trim()) missing.email = t('shell:app.required');
    if (!password) missing.password = t('shell:app.required');
    setLocal(missing);
    if (Object.keys(missing).length === 0) mutation.mutate({ email: email.trim(), password });
  };

  const error = mutation.error;
  let alert: React.ReactNode = <FormAlert error={error} fields={['email', 'password']} />;
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
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={fieldErrorOf(error, local, 'email')}
            autoComplete="username"
            classNames={{ input: 'ltr-value' }}
            data-testid="login-email"
            autoFocus
          />
          <PasswordInput
            label={t('auth.password')}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldErrorOf(error, local, 'password')}
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
