import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { invitationInfoSchema } from '../../../../src/platform/platform.schemas.ts';
import { api, type Reply } from '../../api.ts';
import { FormAlert, fieldErrorOf, PageLoader } from '../../components/errors.tsx';
import { isolate } from '../../format.ts';
import { type Session, useAcceptSession } from '../../session.ts';
import { AuthCard } from './auth-card.tsx';

type InvitationInfo = Reply<typeof invitationInfoSchema>;

const route = getRouteApi('/invite/$token');

export function InvitePage() {
  const { t } = useTranslation(['auth', 'shell']);
  const { token } = route.useParams();
  const navigate = useNavigate();
  const accept = useAcceptSession();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  const invitation = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => api<InvitationInfo>(`/invitations/${encodeURIComponent(token)}`),
    retry: false,
  });
  const mutation = useMutation({
    mutationFn: (body: { name: string; password: string }) =>
      api<Session>(`/invitations/${encodeURIComponent(token)}/accept`, { method: 'POST', body }),
    onSuccess: async (session) => {
      accept(session);
      await navigate({ to: '/' });
    },
  });

  if (invitation.isPending) return <PageLoader />;
  if (invitation.isError) {
    return (
      <AuthCard title={t('shell:app.error')}>
        <Alert color="orange" variant="light" data-testid="invite-invalid">
          {t('auth.inviteInvalid')}
        </Alert>
      </AuthCard>
    );
  }
  const info = invitation.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const missing: Record<string, string | undefined> = {};
    if (!name.trim()) missing.name = t('shell:app.required');
    if (!password) missing.password = t('shell:app.required');
    setLocal(missing);
    if (Object.keys(missing).length === 0) mutation.mutate({ name: name.trim(), password });
  };

  return (
    <AuthCard
      title={t('auth.inviteTitle', { workspace: info.workspaceName })}
      intro={t('auth.inviteIntro', { role: t(`shell:roles.${info.role}`), email: isolate(info.email) })}
    >
      <form onSubmit={submit} data-testid="invite-form" noValidate>
        <Stack gap="sm">
          <TextInput
            label={t('auth.name')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fieldErrorOf(mutation.error, local, 'name')}
            autoComplete="name"
            data-testid="invite-name"
            autoFocus
          />
          <PasswordInput
            label={t('auth.password')}
            description={t('auth.passwordHint')}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldErrorOf(mutation.error, local, 'password')}
            autoComplete="new-password"
            data-testid="invite-password"
          />
          <FormAlert error={mutation.error} fields={['name', 'password']} />
          <Button type="submit" loading={mutation.isPending} data-testid="invite-submit" size="md">
            {t('auth.inviteSubmit')}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
