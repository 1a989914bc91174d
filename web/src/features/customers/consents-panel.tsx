import {
  Badge,
  Button,
  Card,
  Collapse,
  Group,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert, notifySaved } from '../../components/errors.tsx';
import { useForm } from '../../components/forms.ts';
import { Icon } from '../../components/icons.tsx';
import { useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { type Channel, type Customer360, channels, customerKeys } from './customers-api.ts';

type ConsentForm = { channel: Channel; status: 'granted' | 'revoked'; source: string; textShown: string };

function ConsentForm({ customer, onDone }: { customer: Customer360; onDone: () => void }) {
  const { t } = useTranslation(['customers', 'shell']);
  const queryClient = useQueryClient();
  const form = useForm<ConsentForm>({ channel: 'email', status: 'granted', source: '', textShown: '' });
  const { values, set } = form;
  const mutation = useMutation({
    mutationFn: (body: Record<string, unknown>) => api(`/customers/${customer.id}/consents`, { method: 'POST', body }),
    onSuccess: async () => {
      notifySaved(t('consents.recorded'));
      form.setValues((f) => ({ ...f, source: '', textShown: '' }));
      await queryClient.invalidateQueries({ queryKey: customerKeys.all });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const source = values.source.trim();
    if (!form.require({ source })) return;
    const body: Record<string, unknown> = { channel: values.channel, status: values.status, source };
    if (values.textShown.trim()) body.textShown = values.textShown.trim();
    mutation.mutate(body);
  };
  return (
    <form onSubmit={submit} data-testid="consent-form" noValidate>
      <Stack gap="xs">
        <Text size="xs" c="dimmed">
          {t('consents.law')}
        </Text>
        <Group grow gap="xs" align="flex-end">
          <Select
            label={t('consents.channel')}
            data={channels.map((c) => ({ value: c, label: t(`channels.${c}`) }))}
            value={values.channel}
            onChange={(v) => v && set('channel', v)}
            allowDeselect={false}
            error={form.errorOf(mutation.error, 'channel')}
            data-testid="consent-channel"
          />
          <SegmentedControl
            value={values.status}
            onChange={(v) => set('status', v === 'revoked' ? 'revoked' : 'granted')}
            data={[
              { value: 'granted', label: t('consents.granted') },
              { value: 'revoked', label: t('consents.revoked') },
            ]}
            aria-label={t('consents.status')}
            data-testid="consent-status"
          />
        </Group>
        <TextInput
          label={t('consents.source')}
          placeholder={t('consents.sourcePlaceholder')}
          value={values.source}
          onChange={form.text('source')}
          error={form.errorOf(mutation.error, 'source')}
          data-testid="consent-source"
        />
        <Textarea
          label={t('consents.textShown')}
          placeholder={t('consents.textShownPlaceholder')}
          value={values.textShown}
          onChange={form.text('textShown')}
          error={form.errorOf(mutation.error, 'textShown')}
          autosize
          minRows={2}
          data-testid="consent-text"
        />
        <FormAlert error={mutation.error} fields={['channel', 'status', 'source', 'textShown']} />
        <Group justify="flex-end">
          <Button type="submit" loading={mutation.isPending} data-testid="consent-submit">
            {t('consents.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function ConsentsPanel({ customer }: { customer: Customer360 }) {
  const { t } = useTranslation(['customers', 'shell']);
  const fmt = useFormat();
  const can = useCan();
  const [open, setOpen] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const history = [...customer.consentHistory].sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));
  return (
    <Card withBorder padding="md" data-testid="consents-panel">
      <Group justify="space-between" mb="xs">
        <Group gap={6}>
          <Icon name="shield" size={18} />
          <Text fw={700}>{t('consents.title')}</Text>
        </Group>
        {can('customers.consent') && customer.status !== 'erased' ? (
          <Button
            size="compact-sm"
            variant={open ? 'default' : 'light'}
            onClick={() => setOpen((o) => !o)}
            data-testid="consent-change"
          >
            {open ? t('shell:app.close') : t('consents.change')}
          </Button>
        ) : null}
      </Group>
      <Stack gap={6}>
        {channels.map((channel) => {
          const value = customer.consents[channel];
          return (
            <Group
              key={channel}
              justify="space-between"
              data-testid={`consent-${channel}`}
              data-consent={value === undefined ? 'unknown' : String(value)}
            >
              <Text size="sm">{t(`channels.${channel}`)}</Text>
              {value === true ? (
                <Badge color="teal" variant="light" leftSection={<Icon name="check" size={12} />}>
                  {t('consents.granted')}
                </Badge>
              ) : value === false ? (
                <Badge color="red" variant="light" leftSection={<Icon name="x" size={12} />}>
                  {t('consents.revoked')}
                </Badge>
              ) : (
                <Badge color="gray" variant="outline">
                  {t('consents.unknown')}
                </Badge>
              )}
            </Group>
          );
        })}
      </Stack>
      <Collapse expanded={open}>
        <Card withBorder mt="sm" padding="sm" bg="gray.0">
          <ConsentForm customer={customer} onDone={() => setOpen(false)} />
        </Card>
      </Collapse>
      <Button
        variant="subtle"
        size="compact-sm"
        mt="sm"
        onClick={() => setShowHistory((s) => !s)}
        data-testid="consent-history-toggle"
      >
        {t('consents.history')} ({history.length})
      </Button>
      <Collapse expanded={showHistory}>
        {history.length === 0 ? (
          <Text size="sm" c="dimmed" mt="xs">
            {t('consents.noHistory')}
          </Text>
        ) : (
          <Stack gap="xs" mt="xs" data-testid="consent-history">
            {history.map((h) => (
              <Stack
                key={h.id}
                gap={0}
                style={{ borderInlineStart: '3px solid var(--mantine-color-gray-3)', paddingInlineStart: 8 }}
              >
                <Group gap={6}>
                  <Text size="sm" fw={600}>
                    {t(`channels.${h.channel}`)}: {t(`consents.${h.status}`)}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {fmt.dateTime(h.occurredAt)}
                  </Text>
                </Group>
                <Text size="xs" c="dimmed">
                  {t('consents.source')}: {h.source}
                  {h.recordedBy ? ` · ${t('consents.by', { name: h.recordedBy })}` : ''}
                </Text>
                {h.textShown ? (
                  <Text size="xs" fs="italic">
                    “{h.textShown}”
                  </Text>
                ) : null}
              </Stack>
            ))}
          </Stack>
        )}
      </Collapse>
    </Card>
  );
}
