import { Alert, Anchor, Button, Card, Radio, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isApiError } from '../../api.ts';
import { withPermission } from '../../components/app-layout.tsx';
import { FormAlert, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { BackLink } from './campaign-parts.tsx';
import {
  type Campaign,
  type ChannelStrategy,
  channelStrategies,
  useCampaign,
  useSaveCampaign,
  useTemplates,
} from './campaigns-api.ts';

type SegmentOption = { id: string; name: string; customerCount: number };

function useSegmentOptions() {
  return useQuery({
    queryKey: ['campaigns', 'segments'],
    queryFn: ({ signal }) => api<{ items: SegmentOption[] }>('/segments', { signal }),
  });
}

function fieldError(error: unknown, field: string): string | undefined {
  if (!isApiError(error)) return undefined;
  return error.errors.find((e) => e.field === field || e.field === `body.${field}` || e.field === `/${field}`)?.message;
}

function CampaignForm({ segments, initial }: { segments: SegmentOption[]; initial?: Campaign | undefined }) {
  const { t } = useTranslation('campaigns');
  const navigate = useNavigate();
  const templates = useTemplates();
  const save = useSaveCampaign(initial?.id);
  const [name, setName] = useState(initial?.name ?? '');
  const [segmentId, setSegmentId] = useState<string | null>(initial?.segmentId ?? null);
  const [emailTemplateId, setEmailTemplateId] = useState<string | null>(initial?.emailTemplateId ?? null);
  const [smsTemplateId, setSmsTemplateId] = useState<string | null>(initial?.smsTemplateId ?? null);
  const [strategy, setStrategy] = useState<ChannelStrategy>(initial?.channelStrategy ?? 'preferred');
  const [quietHours, setQuietHours] = useState(initial?.quietHours ?? true);
  const [tried, setTried] = useState(false);
  const items = templates.data?.items ?? [];
  const options = (channel: 'email' | 'sms') =>
    items.filter((x) => x.channel === channel).map((x) => ({ value: x.id, label: x.name }));
  const missing = (ok: boolean) => (tried && !ok ? t('editor.required') : undefined);
  const needTemplate = tried && !emailTemplateId && !smsTemplateId;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!name.trim() || !segmentId || (!emailTemplateId && !smsTemplateId)) return;
    save.mutate(
      {
        name: name.trim(),
        segmentId,
        ...(emailTemplateId ? { emailTemplateId } : {}),
        ...(smsTemplateId ? { smsTemplateId } : {}),
        channelStrategy: strategy,
        quietHours,
      },
      {
        onSuccess: (saved) => {
          notifySaved(t('editor.saved'));
          void navigate({ to: '/campaigns/$id', params: { id: saved.id }, replace: true });
        },
      },
    );
  };
  return (
    <form onSubmit={submit} noValidate data-testid="campaign-form">
      <Stack gap="md" maw={720}>
        <Card withBorder>
          <Stack gap="sm">
            <Title order={2} size="h4">
              {t('editor.details')}
            </Title>
            <TextInput
              label={t('editor.name')}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              maxLength={120}
              required
              error={missing(!!name.trim()) ?? fieldError(save.error, 'name')}
              data-testid="campaign-name"
            />
            <Select
              label={t('editor.segment')}
              description={t('editor.segmentHelp')}
              placeholder={t('editor.segmentPlaceholder')}
              data={segments.map((s) => ({ value: s.id, label: s.name }))}
              value={segmentId}
              onChange={setSegmentId}
              searchable
              required
              nothingFoundMessage={t('editor.noSegments')}
              error={missing(!!segmentId) ?? fieldError(save.error, 'segmentId')}
              data-testid="campaign-segment"
            />
            {segments.length === 0 ? (
              <Alert variant="light" color="yellow" data-testid="campaign-no-segments">
                {t('editor.noSegments')}{' '}
                <Anchor component={Link} to="/segments" size="sm">
                  {t('editor.segment')}
                </Anchor>
              </Alert>
            ) : null}
          </Stack>
        </Card>
        <Card withBorder>
          <Stack gap="sm">
            <Title order={2} size="h4">
              {t('editor.strategy')}
            </Title>
            <Text size="xs" c="dimmed">
              {t('editor.templatesHelp')}
            </Text>
            <Select
              label={t('editor.emailTemplate')}
              placeholder={t('editor.templatePlaceholder')}
              data={options('email')}
              value={emailTemplateId}
              onChange={setEmailTemplateId}
              clearable
              error={needTemplate ? t('editor.needTemplate') : fieldError(save.error, 'emailTemplateId')}
              data-testid="campaign-email-template"
            />
            <Select
              label={t('editor.smsTemplate')}
              placeholder={t('editor.templatePlaceholder')}
              data={options('sms')}
              value={smsTemplateId}
              onChange={setSmsTemplateId}
              clearable
              error={fieldError(save.error, 'smsTemplateId')}
              data-testid="campaign-sms-template"
            />
            <Radio.Group
              label={t('editor.strategy')}
              description={t('editor.consentNote')}
              value={strategy}
              onChange={(v) => setStrategy(channelStrategies.find((s) => s === v) ?? strategy)}
              data-testid="campaign-strategy"
            >
              <Stack gap="xs" mt={6}>
                {channelStrategies.map((s) => (
                  <Radio key={s} value={s} label={t(`editor.strategies.${s}`)} data-testid={`campaign-strategy-${s}`} />
                ))}
              </Stack>
            </Radio.Group>
            <Switch
              label={t('editor.quietHours')}
              description={t('editor.quietHoursHelp')}
              checked={quietHours}
              onChange={(e) => setQuietHours(e.currentTarget.checked)}
              data-testid="campaign-quiet"
              mt="xs"
            />
          </Stack>
        </Card>
        <FormAlert
          error={save.error}
          fields={['name', 'segmentId', 'emailTemplateId', 'smsTemplateId']}
          testId="campaign-error"
        />
        <div>
          <Button type="submit" loading={save.isPending} data-testid="campaign-save">
            {t('editor.save')}
          </Button>
        </div>
      </Stack>
    </form>
  );
}

function NewCampaign() {
  const { t } = useTranslation('campaigns');
  const segments = useSegmentOptions();
  return (
    <Stack gap="md" data-testid="campaign-new">
      <BackLink />
      <PageTitle>{t('editor.newTitle')}</PageTitle>
      {segments.isPending ? <PageLoader /> : null}
      {segments.isError ? <QueryError error={segments.error} onRetry={() => void segments.refetch()} /> : null}
      {segments.data ? <CampaignForm segments={segments.data.items} /> : null}
    </Stack>
  );
}

function EditCampaign() {
  const { t } = useTranslation('campaigns');
  const { id } = useParams({ strict: false }) as { id: string };
  const segments = useSegmentOptions();
  const campaign = useCampaign(id);
  const failed = segments.error ?? campaign.error;
  return (
    <Stack gap="md" data-testid="campaign-edit">
      <BackLink />
      <PageTitle>{t('editor.editTitle')}</PageTitle>
      {segments.isPending || campaign.isPending ? <PageLoader /> : null}
      {failed ? (
        <QueryError
          error={failed}
          onRetry={() => {
            void segments.refetch();
            void campaign.refetch();
          }}
        />
      ) : null}
      {campaign.data && campaign.data.status !== 'draft' ? (
        <Alert variant="light" color="yellow" data-testid="campaign-not-draft">
          {t('editor.notDraft')}
        </Alert>
      ) : null}
      {segments.data && campaign.data?.status === 'draft' ? (
        <CampaignForm segments={segments.data.items} initial={campaign.data} />
      ) : null}
    </Stack>
  );
}

/** A new campaign: its segment, its templates, the channel and quiet hours; sent from its own page once saved. */
export const NewCampaignPage = withPermission('campaigns.manage', NewCampaign);
/** A draft changed: the same form, filled in; once sent, a campaign stays as it went out. */
export const EditCampaignPage = withPermission('campaigns.manage', EditCampaign);
export { useSegmentOptions };
