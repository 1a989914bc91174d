import { Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { isKeyOf } from '../../i18n/keys.ts';
import { eventText } from '../customers/customer-timeline.tsx';
import type { TimelineEvent } from '../customers/customers-api.ts';
import type { TimelineRenderer } from '../feature.ts';
import { MessageStatusBadge } from './message-status.tsx';
import { messagingEn } from './messaging.en.ts';

/** A message sent to the customer: its channel, its subject (an email's) and where it stands — never its text. */
function MessageBody({ event }: { event: TimelineEvent }) {
  const { t } = useTranslation('messaging');
  const data = event.data ?? {};
  const channel = eventText(data.channel);
  const status = eventText(data.status);
  const subject = eventText(data.subject);
  return (
    <Group gap="xs" wrap="wrap" data-testid="message-event" data-channel={channel}>
      <Text size="sm">{isKeyOf(messagingEn.channels, channel) ? t(`channels.${channel}`) : channel}</Text>
      {subject ? (
        <Text size="sm" dir="auto" fw={500}>
          {subject}
        </Text>
      ) : null}
      {isKeyOf(messagingEn.statuses, status) ? <MessageStatusBadge status={status} /> : null}
    </Group>
  );
}

/** The outbox's messages on the customer's timeline (the server's messaging.messages source). */
export const messagingTimeline = {
  'message.sent': { icon: 'send', color: 'blue', label: 'messaging:timeline.sent', Body: MessageBody },
} satisfies Record<string, TimelineRenderer>;
