import { Stack, Text } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Formatters } from '../../format.ts';
import { isKeyOf, type NamespacedKey } from '../../i18n/keys.ts';
import type { TimelineRenderer } from '../feature.ts';
import { customersEn } from './customers.en.ts';
import type { TimelineEvent } from './customers-api.ts';

/** A value of an event's data as text: the data is whatever its source recorded. */
export function eventText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

type BodyProps = { event: TimelineEvent; fmt: Formatters };

/** Where a customer or an event came from, in words when Klient has them ('import', 'web'), else as recorded. */
export function sourceLabel(t: TFunction<'customers'>, source: string): string {
  return isKeyOf(customersEn.sources, source) ? t(`sources.${source}`) : source;
}

function ByLine({ name }: { name: string }) {
  const { t } = useTranslation('customers');
  if (!name) return null;
  return (
    <Text size="xs" c="dimmed">
      {t('timeline.by', { name })}
    </Text>
  );
}

function NoteBody({ event }: BodyProps) {
  const data = event.data ?? {};
  return (
    <Stack gap={2}>
      <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
        {eventText(data.body)}
      </Text>
      {eventText(data.authorName) ? (
        <Text size="xs" c="dimmed">
          {eventText(data.authorName)}
        </Text>
      ) : null}
    </Stack>
  );
}

function ConsentBody({ event }: BodyProps) {
  const { t } = useTranslation('customers');
  const data = event.data ?? {};
  const channel = eventText(data.channel);
  const status = eventText(data.status);
  const source = eventText(data.source);
  return (
    <Text size="sm">
      {t('timeline.consentSummary', {
        channel: isKeyOf(customersEn.channels, channel) ? t(`channels.${channel}`) : channel,
        status: isKeyOf(customersEn.consents, status) ? t(`consents.${status}`) : status,
      })}
      {source ? ` · ${sourceLabel(t, source)}` : ''}
    </Text>
  );
}

function ConductBody({ event }: BodyProps) {
  const { t, i18n } = useTranslation('customers');
  const data = event.data ?? {};
  const label = (flag: string) =>
    !flag ? t('conduct.none') : isKeyOf(customersEn.conduct, flag) ? t(`conduct.${flag}`) : flag;
  return (
    <Stack gap={2}>
      <Text size="sm">
        {label(eventText(data.from))} {i18n.dir() === 'rtl' ? '←' : '→'} {label(eventText(data.to))}
      </Text>
      {eventText(data.note) ? <Text size="sm">{eventText(data.note)}</Text> : null}
      <ByLine name={eventText(data.by)} />
    </Stack>
  );
}

function MergedBody({ event }: BodyProps) {
  const { t } = useTranslation('customers');
  const data = event.data ?? {};
  return (
    <Stack gap={2}>
      {eventText(data.mergedName) ? (
        <Text size="sm">{t('timeline.mergedFrom', { name: eventText(data.mergedName) })}</Text>
      ) : null}
      <ByLine name={eventText(data.by)} />
    </Stack>
  );
}

/** Any event: where it came from (or its text) and who did it. */
function DefaultBody({ event }: BodyProps) {
  const { t } = useTranslation('customers');
  const data = event.data ?? {};
  const source = eventText(data.source);
  const summary = source ? sourceLabel(t, source) : eventText(data.body);
  return (
    <Stack gap={2}>
      {summary ? <Text size="sm">{summary}</Text> : null}
      <ByLine name={eventText(data.by)} />
    </Stack>
  );
}

/** How an event type that no feature renders is shown. */
export const fallbackTimelineRenderer: TimelineRenderer<NamespacedKey> = {
  icon: 'clock',
  color: 'gray',
  label: 'customers:timeline.types.other',
  Body: DefaultBody,
};

/** The customer's own events on her timeline. */
export const customerTimeline = {
  'note.added': { icon: 'note', color: 'yellow', label: 'customers:timeline.types.note_added', Body: NoteBody },
  'consent.changed': {
    icon: 'shield',
    color: 'teal',
    label: 'customers:timeline.types.consent_changed',
    Body: ConsentBody,
  },
  'customer.merged': {
    icon: 'merge',
    color: 'grape',
    label: 'customers:timeline.types.customer_merged',
    Body: MergedBody,
  },
  'customer.created': {
    icon: 'userPlus',
    color: 'gray',
    label: 'customers:timeline.types.customer_created',
    Body: DefaultBody,
  },
  'customer.updated': {
    icon: 'edit',
    color: 'gray',
    label: 'customers:timeline.types.customer_updated',
    Body: DefaultBody,
  },
  'customer.erased': {
    icon: 'trash',
    color: 'red',
    label: 'customers:timeline.types.customer_erased',
    Body: DefaultBody,
  },
  'conduct.flagged': {
    icon: 'flag',
    color: 'red',
    label: 'customers:timeline.types.conduct_flagged',
    Body: ConductBody,
  },
} satisfies Record<string, TimelineRenderer>;
