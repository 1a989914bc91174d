import { Button, Card, Group, Stack, Text, Textarea, ThemeIcon, Timeline } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert, fieldErrorOf, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon, type IconName } from '../../components/icons.tsx';
import { type Formatters, useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import type { Customer360, TimelineEvent } from '../../types.ts';
import { customerKeys, useTimeline } from './customers-api.ts';

const look: Record<string, { icon: IconName; color: string }> = {
  'order.placed': { icon: 'cart', color: 'indigo' },
  'order.refunded': { icon: 'refund', color: 'orange' },
  'note.added': { icon: 'note', color: 'yellow' },
  'consent.changed': { icon: 'shield', color: 'teal' },
  'customer.merged': { icon: 'merge', color: 'grape' },
  'customer.created': { icon: 'userPlus', color: 'gray' },
  'customer.updated': { icon: 'edit', color: 'gray' },
  'customer.erased': { icon: 'trash', color: 'red' },
  'conduct.flagged': { icon: 'flag', color: 'red' },
};

function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function ByLine({ name }: { name: string }) {
  const { t } = useTranslation();
  if (!name) return null;
  return (
    <Text size="xs" c="dimmed">
      {t('timeline.by', { name })}
    </Text>
  );
}

function EventBody({ event, fmt }: { event: TimelineEvent; fmt: Formatters }) {
  const { t, i18n } = useTranslation();
  const data = event.data ?? {};
  switch (event.type) {
    case 'order.placed': {
      const count = Number(data.itemsCount ?? 0);
      const parts = [t('timeline.orderSummary', { total: fmt.money(str(data.total)), count })];
      if (str(data.branchName)) parts.push(t('timeline.at', { branch: str(data.branchName) }));
      if (str(data.channel)) {
        parts.push(
          t('timeline.via', { channel: t(`orderChannels.${str(data.channel)}`, { defaultValue: str(data.channel) }) }),
        );
      }
      // How the payment stands and where it went, when the source said (an import from Shopify or WooCommerce).
      if (str(data.paymentStatus)) {
        const status = str(data.paymentStatus);
        parts.push(t(`orderDetails.paymentStatuses.${status}`, { defaultValue: status }));
      }
      if (str(data.shipCity)) parts.push(t('orderDetails.shippedTo', { city: str(data.shipCity) }));
      return <Text size="sm">{parts.join(' · ')}</Text>;
    }
    case 'order.refunded':
      return (
        <Text size="sm">
          {fmt.money(str(data.amount))}
          {str(data.reason) ? ` · ${str(data.reason)}` : ''}
        </Text>
      );
    case 'note.added':
      return (
        <Stack gap={2}>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {str(data.body)}
          </Text>
          {str(data.authorName) ? (
            <Text size="xs" c="dimmed">
              {str(data.authorName)}
            </Text>
          ) : null}
        </Stack>
      );
    case 'consent.changed': {
      const channel = str(data.channel);
      const status = str(data.status);
      return (
        <Text size="sm">
          {t('timeline.consentSummary', {
            channel: channel ? t(`channels.${channel}`, { defaultValue: channel }) : '',
            status: status ? t(`consents.${status}`, { defaultValue: status }) : '',
          })}
          {str(data.source) ? ` · ${t(`sources.${str(data.source)}`, { defaultValue: str(data.source) })}` : ''}
        </Text>
      );
    }
    case 'conduct.flagged': {
      const label = (flag: string) => (flag ? t(`conduct.${flag}`, { defaultValue: flag }) : t('conduct.none'));
      return (
        <Stack gap={2}>
          <Text size="sm">
            {label(str(data.from))} {i18n.dir() === 'rtl' ? '←' : '→'} {label(str(data.to))}
          </Text>
          {str(data.note) ? <Text size="sm">{str(data.note)}</Text> : null}
          <ByLine name={str(data.by)} />
        </Stack>
      );
    }
    case 'customer.merged':
      return (
        <Stack gap={2}>
          {str(data.mergedName) ? (
            <Text size="sm">{t('timeline.mergedFrom', { name: str(data.mergedName) })}</Text>
          ) : null}
          <ByLine name={str(data.by)} />
        </Stack>
      );
    default: {
      const source = str(data.source);
      const summary = source ? t(`sources.${source}`, { defaultValue: source }) : str(data.body);
      return (
        <Stack gap={2}>
          {summary ? <Text size="sm">{summary}</Text> : null}
          <ByLine name={str(data.by)} />
        </Stack>
      );
    }
  }
}

function NoteForm({ customer }: { customer: Customer360 }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [body, setBody] = useState('');
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  const mutation = useMutation({
    mutationFn: (text: string) => api(`/customers/${customer.id}/notes`, { method: 'POST', body: { body: text } }),
    onSuccess: async () => {
      setBody('');
      notifySaved(t('notes.added'));
      await queryClient.invalidateQueries({ queryKey: customerKeys.timeline(customer.id) });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!body.trim()) {
      setLocal({ body: t('auth.required') });
      return;
    }
    setLocal({});
    mutation.mutate(body.trim());
  };
  return (
    <form onSubmit={submit} data-testid="note-form" noValidate>
      <Stack gap="xs">
        <Textarea
          aria-label={t('notes.title')}
          placeholder={t('notes.placeholder')}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          error={fieldErrorOf(mutation.error, local, 'body')}
          autosize
          minRows={2}
          maxRows={8}
          data-testid="note-body"
        />
        <FormAlert error={mutation.error} fields={['body']} />
        <Group justify="flex-end">
          <Button type="submit" size="sm" loading={mutation.isPending} data-testid="note-submit">
            {t('notes.add')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function TimelinePanel({ customer }: { customer: Customer360 }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const can = useCan();
  const timeline = useTimeline(customer.id);
  const events = timeline.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card withBorder padding="md" data-testid="timeline-panel">
      <Text fw={700} mb="sm">
        {t('timeline.title')}
      </Text>
      {can('customers.write') && customer.status !== 'erased' ? (
        <div style={{ marginBottom: 16 }}>
          <NoteForm customer={customer} />
        </div>
      ) : null}
      {timeline.isPending ? <PageLoader /> : null}
      {timeline.isError ? <QueryError error={timeline.error} onRetry={() => void timeline.refetch()} /> : null}
      {timeline.data && events.length === 0 ? (
        <Text c="dimmed" size="sm">
          {t('timeline.empty')}
        </Text>
      ) : null}
      {events.length > 0 ? (
        <Timeline bulletSize={28} lineWidth={2} data-testid="timeline">
          {events.map((event) => {
            const style = look[event.type] ?? { icon: 'clock' as const, color: 'gray' };
            return (
              <Timeline.Item
                key={event.id}
                data-testid="timeline-item"
                data-type={event.type}
                bullet={
                  <ThemeIcon size={28} radius="xl" color={style.color} variant="light">
                    <Icon name={style.icon} size={16} />
                  </ThemeIcon>
                }
                title={
                  <Group gap={8} justify="space-between" wrap="nowrap">
                    <Text fw={600} size="sm">
                      {t(`timeline.types.${event.type.replaceAll('.', '_')}`, {
                        defaultValue: t('timeline.types.other'),
                      })}
                    </Text>
                    <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                      {fmt.dateTime(event.occurredAt)}
                    </Text>
                  </Group>
                }
              >
                <EventBody event={event} fmt={fmt} />
              </Timeline.Item>
            );
          })}
        </Timeline>
      ) : null}
      {timeline.hasNextPage ? (
        <Group justify="center" mt="md">
          <Button
            variant="default"
            size="sm"
            onClick={() => void timeline.fetchNextPage()}
            loading={timeline.isFetchingNextPage}
            data-testid="timeline-more"
          >
            {t('app.loadMore')}
          </Button>
        </Group>
      ) : null}
    </Card>
  );
}
