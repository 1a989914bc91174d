import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { MessageStatus } from './messaging-api.ts';

const colors: Record<MessageStatus, string> = {
  queued: 'gray',
  sending: 'blue',
  sent: 'teal',
  failed: 'red',
  delivered_locally: 'violet',
  cancelled: 'gray',
};

const labels = {
  queued: 'statuses.queued',
  sending: 'statuses.sending',
  sent: 'statuses.sent',
  failed: 'statuses.failed',
  delivered_locally: 'statuses.delivered_locally',
  cancelled: 'statuses.cancelled',
} as const satisfies Record<MessageStatus, string>;

export function statusLabelKey(status: MessageStatus) {
  return labels[status];
}

/** Where a message stands, in words and a colour (the words carry it: the colour only repeats them). */
export function MessageStatusBadge({ status }: { status: MessageStatus }) {
  const { t } = useTranslation('messaging');
  return (
    <Badge color={colors[status]} variant="light" data-testid="message-status" data-status={status}>
      {t(labels[status])}
    </Badge>
  );
}
