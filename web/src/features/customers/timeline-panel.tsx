import { Button, Card, Group, Stack, Text, Textarea, ThemeIcon, Timeline } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert, notifySaved } from '../../components/errors.tsx';
import { useForm } from '../../components/forms.ts';
import { Icon } from '../../components/icons.tsx';
import { ListStatus, LoadMore } from '../../components/lists.tsx';
import { useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { useFeatureRegistry } from '../feature-registry.tsx';
import { fallbackTimelineRenderer } from './customer-timeline.tsx';
import { type Customer360, customerKeys, useTimeline } from './customers-api.ts';

function NoteForm({ customer }: { customer: Customer360 }) {
  const { t } = useTranslation(['customers', 'shell']);
  const queryClient = useQueryClient();
  const form = useForm({ body: '' });
  const mutation = useMutation({
    mutationFn: (text: string) => api(`/customers/${customer.id}/notes`, { method: 'POST', body: { body: text } }),
    onSuccess: async () => {
      form.set('body', '');
      notifySaved(t('notes.added'));
      await queryClient.invalidateQueries({ queryKey: customerKeys.timeline(customer.id) });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = form.values.body.trim();
    if (form.require({ body })) mutation.mutate(body);
  };
  return (
    <form onSubmit={submit} data-testid="note-form" noValidate>
      <Stack gap="xs">
        <Textarea
          aria-label={t('notes.title')}
          placeholder={t('notes.placeholder')}
          value={form.values.body}
          onChange={form.text('body')}
          error={form.errorOf(mutation.error, 'body')}
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
  const { t, i18n } = useTranslation(['customers', 'shell']);
  const fmt = useFormat();
  const can = useCan();
  // Each event type is drawn by the feature that owns it (orders by commerce, notes by customers).
  const { timeline: renderers } = useFeatureRegistry();
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
      <ListStatus
        query={timeline}
        isEmpty={Boolean(timeline.data) && events.length === 0}
        empty={t('timeline.empty')}
      />
      {events.length > 0 ? (
        <Timeline bulletSize={28} lineWidth={2} data-testid="timeline">
          {events.map((event) => {
            const renderer = renderers.get(event.type) ?? fallbackTimelineRenderer;
            return (
              <Timeline.Item
                key={event.id}
                data-testid="timeline-item"
                data-type={event.type}
                bullet={
                  <ThemeIcon size={28} radius="xl" color={renderer.color} variant="light">
                    <Icon name={renderer.icon} size={16} />
                  </ThemeIcon>
                }
                title={
                  <Group gap={8} justify="space-between" wrap="nowrap">
                    <Text fw={600} size="sm">
                      {/* The label names its feature's namespace ('commerce:…'): i18n.t reads any. */}
                      {i18n.t(renderer.label)}
                    </Text>
                    <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                      {fmt.dateTime(event.occurredAt)}
                    </Text>
                  </Group>
                }
              >
                <renderer.Body event={event} fmt={fmt} />
              </Timeline.Item>
            );
          })}
        </Timeline>
      ) : null}
      <LoadMore query={timeline} testId="timeline-more" size="sm" mt="md" />
    </Card>
  );
}
