import { Anchor, Badge, Button, Card, Group, Select, Stack, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RequirePermission } from '../../components/app-layout.tsx';
import { EmptyBlock, PageLoader, QueryError } from '../../components/errors.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useFormat } from '../../format.ts';
import { DeliveryNote } from './delivery-note.tsx';
import { MessageStatusBadge, statusLabelKey } from './message-status.tsx';
import {
  channelOrder,
  type MessageChannel,
  type MessageStatus,
  type OutboxMessage,
  statusOrder,
  useOutbox,
} from './messaging-api.ts';

const channelLabels = { email: 'channels.email', sms: 'channels.sms' } as const satisfies Record<
  MessageChannel,
  string
>;

function isStatus(value: string | null): value is MessageStatus {
  return (statusOrder as readonly string[]).includes(value ?? '');
}

function isChannel(value: string | null): value is MessageChannel {
  return (channelOrder as readonly string[]).includes(value ?? '');
}

/** The message's subject, or for a text message (no subject) the start of what it says. */
function MessageCell({ message }: { message: OutboxMessage }) {
  const { t } = useTranslation('messaging');
  const title = message.erasedAt ? t('outbox.erased') : (message.subject ?? t('outbox.noSubject'));
  return (
    <Stack gap={2}>
      <Anchor
        size="sm"
        fw={500}
        renderRoot={(props) => <Link {...props} to="/outbox/$id" params={{ id: message.id }} />}
        data-testid="outbox-open"
      >
        {title}
      </Anchor>
      {message.preview ? (
        <Text size="xs" c="dimmed" lineClamp={1} dir="auto">
          {message.preview}
        </Text>
      ) : null}
    </Stack>
  );
}

function Outbox() {
  const { t } = useTranslation('messaging');
  const fmt = useFormat();
  const [status, setStatus] = useState<MessageStatus | null>(null);
  const [channel, setChannel] = useState<MessageChannel | null>(null);
  const outbox = useOutbox({ status, channel });
  const messages = outbox.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = status !== null || channel !== null;
  return (
    <Stack gap="md">
      <PageTitle>{t('outbox.title')}</PageTitle>
      <Text c="dimmed" size="sm">
        {t('outbox.intro')}
      </Text>
      <DeliveryNote />
      <Group gap="md" align="flex-end">
        <Select
          label={t('outbox.filterStatus')}
          data={statusOrder.map((s) => ({ value: s, label: t(statusLabelKey(s)) }))}
          value={status}
          onChange={(value) => setStatus(isStatus(value) ? value : null)}
          placeholder={t('outbox.all')}
          clearable
          maw={220}
          data-testid="outbox-status-filter"
        />
        <Select
          label={t('outbox.filterChannel')}
          data={channelOrder.map((c) => ({ value: c, label: t(channelLabels[c]) }))}
          value={channel}
          onChange={(value) => setChannel(isChannel(value) ? value : null)}
          placeholder={t('outbox.all')}
          clearable
          maw={180}
          data-testid="outbox-channel-filter"
        />
      </Group>
      {outbox.isPending ? (
        <PageLoader />
      ) : outbox.isError ? (
        <QueryError error={outbox.error} onRetry={() => void outbox.refetch()} />
      ) : messages.length === 0 ? (
        <Card withBorder>
          {filtered ? (
            <EmptyBlock
              title={t('outbox.emptyFiltered')}
              text={t('outbox.emptyFilteredText')}
              testId="outbox-empty-filtered"
            />
          ) : (
            <EmptyBlock title={t('outbox.empty')} text={t('outbox.emptyText')} testId="outbox-empty" />
          )}
        </Card>
      ) : (
        <Card withBorder padding={0}>
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="sm" highlightOnHover data-testid="outbox-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('outbox.when')}</Table.Th>
                  <Table.Th>{t('outbox.to')}</Table.Th>
                  <Table.Th>{t('outbox.message')}</Table.Th>
                  <Table.Th>{t('outbox.purpose')}</Table.Th>
                  <Table.Th>{t('outbox.status')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {messages.map((message) => (
                  <Table.Tr key={message.id} data-testid="outbox-row">
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(message.createdAt)}</Table.Td>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Badge size="xs" variant="outline" color="gray">
                          {t(channelLabels[message.channel])}
                        </Badge>
                        <Text size="sm" className="ltr-value">
                          {message.recipient || '—'}
                        </Text>
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <MessageCell message={message} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" className="ltr-value">
                        {message.purpose}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <MessageStatusBadge status={message.status} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      {outbox.hasNextPage ? (
        <Group justify="center">
          <Button
            variant="default"
            loading={outbox.isFetchingNextPage}
            onClick={() => void outbox.fetchNextPage()}
            data-testid="outbox-more"
          >
            {t('outbox.loadMore')}
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

/** The outbox: what was sent to people, and what was kept here for want of a mail server. */
export function OutboxPage() {
  return (
    <RequirePermission permission="messaging.read">
      <Outbox />
    </RequirePermission>
  );
}
