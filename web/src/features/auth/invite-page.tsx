import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { invitationInfoSchema } from '../../../../src/platform/platform.schemas.ts';
import { api, type Reply } from '../../api.ts';
import { FormAlert, PageLoader } from '../../components/errors.tsx';
import { isolate } from '../../format.ts';
import type { Session } from '../../session.ts';
import { AuthCard } from './auth-card.tsx';
import { useSessionForm } from './session-form.ts';

type InvitationInfo = Reply<typeof invitationInfoSchema>;

const route = getRouteApi('/invite/$token');

export function InvitePage() {
  const { t } = useTranslation(['auth', 'shell']);
  const { token } = route.useParams();
  const invitation = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => api<InvitationInfo>(`/invitations/${encodeURIComponent(token)}`),
    retry: false,
  });
  const form = useSessionForm(
    { name: '', password: '' },
    (body: { name: string; password: string }) =>
      api<Session>(`/invitations/${encodeURIComponent(token)}/accept`, { method: 'POST', body }),
    '/',
  );
  const { mutation, values } = form;

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
    const body = { name: values.name.trim(), password: values.password };
    if (form.require(body)) mutation.mutate(body);
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
            {...form.field('name')}
            autoComplete="name"
            data-testid="invite-name"
            autoFocus
          />
          <PasswordInput
            label={t('auth.password')}
            description={t('auth.passwordHint')}
            {...form.field('password')}
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
