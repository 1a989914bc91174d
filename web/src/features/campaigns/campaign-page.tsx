import { Alert, Button, Card, Group, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api.ts';
import { withPermission } from '../../components/app-layout.tsx';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { EmptyBlock, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { isolate, useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { useSegmentOptions } from './campaign-editor-page.tsx';
import { BackLink, StatusBadge } from './campaign-parts.tsx';
import {
  type Campaign,
  skipReasons,
  useCampaign,
  useCampaignAction,
  useDeleteCampaign,
  useTemplates,
} from './campaigns-api.ts';

const route = getRouteApi('/_app/campaigns/$id');

const pct = (n: number, total: number) => (total > 0 ? (n / total) * 100 : 0);

/** One line of the report: what, a bar of its share of the recipients, and how many. */
function BarRow({
  label,
  n,
  total,
  color,
  testId,
}: {
  label: string;
  n: number;
  total: number;
  color: string;
  testId: string;
}) {
  const { t } = useTranslation('campaigns');
  const fmt = useFormat();
  const words = t('report.ofTotal', { n: fmt.number(n), total: fmt.number(total) });
  return (
    <Stack gap={4} data-testid={testId} data-count={n}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm">{label}</Text>
        <Text size="sm" fw={600} className="nowrap">
          {words}
        </Text>
      </Group>
      <Progress value={pct(n, total)} color={color} size="lg" radius="sm" aria-label={`${label}: ${words}`} />
    </Stack>
  );
}

function Report({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation('campaigns');
  const fmt = useFormat();
  const { total, sent, skipped, pending } = campaign.recipients;
  const channels = (['email', 'sms'] as const).filter((c) => (campaign.byChannel[c] ?? 0) > 0);
  const reasons = skipReasons.filter((r) => (campaign.skipped[r] ?? 0) > 0);
  const legend = [
    { key: 'sent', n: sent, color: 'teal' },
    { key: 'skipped', n: skipped, color: 'orange' },
    { key: 'pending', n: pending, color: 'gray' },
  ] as const;
  return (
    <Card withBorder data-testid="campaign-report" data-total={total}>
      <Stack gap="md">
        <Group justify="space-between" gap="xs">
          <Title order={2} size="h4">
            {t('report.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('report.recipients', { count: total, n: fmt.number(total) })}
          </Text>
        </Group>
        {total === 0 ? (
          <Text size="sm" c="dimmed">
            {t('report.none')}
          </Text>
        ) : (
          <>
            <Stack gap={6}>
              <Text size="sm" fw={600}>
                {t('report.overall')}
              </Text>
              <Progress.Root size={24} radius="sm">
                {legend.map((part) =>
                  part.n > 0 ? (
                    <Progress.Section
                      key={part.key}
                      value={pct(part.n, total)}
                      color={part.color}
                      aria-label={`${t(`report.${part.key}`)}: ${fmt.number(part.n)}`}
                    >
                      <Progress.Label>{fmt.number(part.n)}</Progress.Label>
                    </Progress.Section>
                  ) : null,
                )}
              </Progress.Root>
              <Group gap="md">
                {legend.map((part) => (
                  <Group key={part.key} gap={6} wrap="nowrap" data-testid={`report-${part.key}`} data-count={part.n}>
                    <span
                      aria-hidden
                      style={{
                        width: 12,
                        height: 12,
                        borderRadius: 3,
                        background: `var(--mantine-color-${part.color}-filled)`,
                      }}
                    />
                    <Text size="sm">
                      {t(`report.${part.key}`)}: <b>{fmt.number(part.n)}</b>
                    </Text>
                  </Group>
                ))}
              </Group>
            </Stack>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
              <Stack gap="sm" data-testid="report-by-channel">
                <Text size="sm" fw={600}>
                  {t('report.byChannel')}
                </Text>
                {channels.length === 0 ? (
                  <Text size="sm" c="dimmed">
                    {t('report.noneSent')}
                  </Text>
                ) : null}
                {channels.map((c) => (
                  <BarRow
                    key={c}
                    label={t(`channels.${c}`)}
                    n={campaign.byChannel[c] ?? 0}
                    total={total}
                    color="teal"
                    testId={`report-channel-${c}`}
                  />
                ))}
              </Stack>
              <Stack gap="sm" data-testid="report-by-reason">
                <Text size="sm" fw={600}>
                  {t('report.byReason')}
                </Text>
                {reasons.length === 0 ? (
                  <Text size="sm" c="dimmed">
                    {t('report.noneSkipped')}
                  </Text>
                ) : null}
                {reasons.map((r) => (
                  <BarRow
                    key={r}
                    label={t(`report.reasons.${r}`)}
                    n={campaign.skipped[r] ?? 0}
                    total={total}
                    color="orange"
                    testId={`report-skipped-${r}`}
                  />
                ))}
              </Stack>
            </SimpleGrid>
          </>
        )}
      </Stack>
    </Card>
  );
}

/** A draft's own: change it, or delete it (after a confirm). */
function DraftActions({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation('campaigns');
  const navigate = useNavigate();
  const remove = useDeleteCampaign(campaign.id);
  const [asking, setAsking] = useState(false);
  return (
    <>
      <Button
        component={Link}
        to={`/campaigns/${campaign.id}/edit`}
        variant="default"
        leftSection={<Icon name="edit" size={18} />}
        data-testid="campaign-edit-link"
      >
        {t('campaign.edit')}
      </Button>
      <Button
        variant="subtle"
        color="red"
        leftSection={<Icon name="trash" size={18} />}
        onClick={() => setAsking(true)}
        data-testid="campaign-delete"
      >
        {t('campaign.delete')}
      </Button>
      <ConfirmModal
        opened={asking}
        onClose={() => setAsking(false)}
        title={t('campaign.deleteTitle')}
        text={t('campaign.deleteText', { name: isolate(campaign.name) })}
        error={remove.error ?? undefined}
        confirm={t('campaign.delete')}
        color="red"
        loading={remove.isPending}
        onConfirm={() =>
          remove.mutate(undefined, {
            onSuccess: () => {
              notifySaved(t('campaign.deleted'));
              void navigate({ to: '/campaigns', replace: true });
            },
          })
        }
        confirmTestId="campaign-delete-confirm"
        testId="campaign-delete-modal"
      />
    </>
  );
}

function Actions({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation('campaigns');
  const send = useCampaignAction(campaign.id, 'send');
  const cancel = useCampaignAction(campaign.id, 'cancel');
  const [asking, setAsking] = useState<'send' | 'cancel' | null>(null);
  return (
    <>
      {campaign.status === 'draft' ? (
        <Button
          leftSection={<Icon name="send" size={18} />}
          onClick={() => setAsking('send')}
          data-testid="campaign-send"
        >
          {t('campaign.send')}
        </Button>
      ) : null}
      {campaign.status === 'sending' ? (
        <Button
          variant="light"
          color="red"
          leftSection={<Icon name="x" size={18} />}
          onClick={() => setAsking('cancel')}
          data-testid="campaign-cancel"
        >
          {t('campaign.cancel')}
        </Button>
      ) : null}
      <ConfirmModal
        opened={asking === 'send'}
        onClose={() => setAsking(null)}
        title={t('campaign.sendTitle')}
        text={t('campaign.sendText', { name: isolate(campaign.name) })}
        error={send.error ?? undefined}
        confirm={t('campaign.send')}
        color="blue"
        loading={send.isPending}
        onConfirm={() =>
          send.mutate(undefined, {
            onSuccess: () => {
              setAsking(null);
              notifySaved(t('campaign.sent'));
            },
          })
        }
        confirmTestId="campaign-send-confirm"
        testId="campaign-send-modal"
      />
      <ConfirmModal
        opened={asking === 'cancel'}
        onClose={() => setAsking(null)}
        title={t('campaign.cancelTitle')}
        text={t('campaign.cancelText')}
        error={cancel.error ?? undefined}
        confirm={t('campaign.cancel')}
        color="red"
        loading={cancel.isPending}
        onConfirm={() =>
          cancel.mutate(undefined, {
            onSuccess: () => {
              setAsking(null);
              notifySaved(t('campaign.cancelled'));
            },
          })
        }
        confirmTestId="campaign-cancel-confirm"
        testId="campaign-cancel-modal"
      />
    </>
  );
}

function Details({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation('campaigns');
  const fmt = useFormat();
  const segments = useSegmentOptions();
  const templates = useTemplates();
  const segment = segments.data?.items.find((s) => s.id === campaign.segmentId);
  const templateNames = [campaign.emailTemplateId, campaign.smsTemplateId]
    .filter((id): id is string => !!id)
    .map((id) => templates.data?.items.find((x) => x.id === id)?.name ?? '…');
  const rows: [string, string][] = [
    [t('campaign.segment'), segment?.name ?? '…'],
    [t('campaign.templates'), templateNames.join(' · ')],
    [t('campaign.strategy'), t(`editor.strategies.${campaign.channelStrategy}`)],
    [t('campaign.quietHours'), campaign.quietHours ? t('campaign.on') : t('campaign.off')],
    [t('campaign.created'), fmt.dateTime(String(campaign.createdAt))],
    ...(campaign.startedAt
      ? [[t('campaign.started'), fmt.dateTime(String(campaign.startedAt))] as [string, string]]
      : []),
    ...(campaign.finishedAt
      ? [[t('campaign.finished'), fmt.dateTime(String(campaign.finishedAt))] as [string, string]]
      : []),
  ];
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="sm" component="dl" style={{ margin: 0 }}>
        {rows.map(([label, value]) => (
          <div key={label}>
            <Text component="dt" size="xs" c="dimmed">
              {label}
            </Text>
            <Text component="dd" size="sm" m={0} style={{ overflowWrap: 'anywhere' }}>
              <span dir="auto">{value}</span>
            </Text>
          </div>
        ))}
      </SimpleGrid>
    </Card>
  );
}

function CampaignScreen() {
  const { t } = useTranslation('campaigns');
  const can = useCan();
  const { id } = route.useParams();
  const query = useCampaign(id);
  if (query.isPending) return <PageLoader />;
  if (query.isError) {
    if (query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 400)) {
      return (
        <Stack gap="md">
          <BackLink />
          <EmptyBlock
            title={t('campaign.notFound')}
            text={t('campaign.notFoundText')}
            testId="campaign-missing"
            pageTitle
          />
        </Stack>
      );
    }
    return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  }
  const campaign = query.data;
  return (
    <Stack gap="md" data-testid="campaign-page" data-campaign-id={campaign.id} data-status={campaign.status}>
      <BackLink />
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={6} style={{ minWidth: 0 }}>
          <PageTitle style={{ overflowWrap: 'anywhere' }}>{campaign.name}</PageTitle>
          <Group gap="xs">
            <StatusBadge status={campaign.status} testId="campaign-status" />
          </Group>
        </Stack>
        <Group gap="xs">
          {can('campaigns.manage') && campaign.status === 'draft' ? <DraftActions campaign={campaign} /> : null}
          {can('campaigns.send') ? <Actions campaign={campaign} /> : null}
        </Group>
      </Group>
      {campaign.status === 'draft' ? (
        <Alert variant="light" color="gray" data-testid="campaign-draft-note">
          {t('campaign.draftNote')} {can('campaigns.send') ? '' : t('campaign.readOnly')}
        </Alert>
      ) : null}
      {campaign.status === 'sending' ? (
        <Alert variant="light" color="blue" role="status" data-testid="campaign-sending-note">
          {t('campaign.sendingNote')}
        </Alert>
      ) : null}
      <Details campaign={campaign} />
      <Report campaign={campaign} />
    </Stack>
  );
}

/** A campaign: what it sends to whom, send or stop it, and its report (refreshed while it sends). */
export const CampaignPage = withPermission('campaigns.read', CampaignScreen);
