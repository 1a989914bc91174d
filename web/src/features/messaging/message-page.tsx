import { Alert, Anchor, Card, Group, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { getRouteApi, Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api.ts';
import { RequirePermission } from '../../components/app-layout.tsx';
import { EmptyBlock, PageLoader, QueryError } from '../../components/errors.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { isolate, useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { MessageStatusBadge } from './message-status.tsx';
import { type OutboxMessageDetail, useOutboxMessage } from './messaging-api.ts';

const route = getRouteApi('/_app/outbox/$id');

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  );
}

/** What the reader should know about where the message stands, beyond its badge. */
function StatusNote({ message }: { message: OutboxMessageDetail }) {
  const { t } = useTranslation('messaging');
  const note = message.erasedAt
    ? { color: 'gray', text: t('message.erasedNote') }
    : message.status === 'delivered_locally'
      ? { color: 'yellow', text: message.channel === 'sms' ? t('message.keptSmsNote') : t('message.keptNote') }
      : message.status === 'failed'
        ? { color: 'red', text: t('message.failedNote') }
        : message.status === 'queued' && message.lastError
          ? { color: 'orange', text: t('message.retryNote') }
          : null;
  if (!note) return null;
  return (
    <Alert color={note.color} variant="light" data-testid="message-note">
      <Text size="sm">{note.text}</Text>
    </Alert>
  );
}

function MessageBody({ message }: { message: OutboxMessageDetail }) {
  const { t } = useTranslation('messaging');
  const text = (
    <Text size="sm" dir="auto" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} data-testid="message-text">
      {message.text || '—'}
    </Text>
  );
  if (!message.html) return text;
  return (
    <Tabs defaultValue="text">
      <Tabs.List>
        <Tabs.Tab value="text">{t('message.text')}</Tabs.Tab>
        <Tabs.Tab value="html">{t('message.html')}</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="text" pt="sm">
        {text}
      </Tabs.Panel>
      <Tabs.Panel value="html" pt="sm">
        {/* The sender's HTML, drawn with no scripts, no forms and no access to this app (an empty sandbox). */}
        <iframe
          sandbox=""
          srcDoc={message.html}
          title={t('message.htmlFrame')}
          style={{ width: '100%', minHeight: 360, border: 0, background: 'white' }}
          data-testid="message-html"
        />
      </Tabs.Panel>
    </Tabs>
  );
}

function Message() {
  const { t } = useTranslation('messaging');
  const fmt = useFormat();
  const can = useCan();
  const { id } = route.useParams();
  const query = useOutboxMessage(id);
  const back = (
    <Anchor component={Link} to="/outbox" size="sm" data-testid="message-back">
      {t('message.back')}
    </Anchor>
  );
  if (query.isPending) return <PageLoader />;
  if (query.isError) {
    if (query.error instanceof ApiError && query.error.status === 404) {
      return (
        <Stack gap="md">
          {back}
          <EmptyBlock
            title={t('message.notFound')}
            text={t('message.notFoundText')}
            testId="message-missing"
            pageTitle
          />
        </Stack>
      );
    }
    return (
      <Stack gap="md">
        {back}
        <PageTitle>{t('outbox.title')}</PageTitle>
        <QueryError error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  const message = query.data;
  const customerId = message.customerId;
  const title = message.erasedAt
    ? t('message.erasedTitle')
    : (message.subject ?? t('message.smsTitle', { to: isolate(message.recipient) }));
  return (
    <Stack gap="md" data-testid="message-page">
      {back}
      <Group gap="sm" align="center">
        <PageTitle dir="auto">{title}</PageTitle>
        <MessageStatusBadge status={message.status} />
      </Group>
      <StatusNote message={message} />
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          {t('message.details')}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
          <Detail label={t('message.to')}>
            <span className="ltr-value" data-testid="message-to">
              {message.recipient || '—'}
            </span>
          </Detail>
          <Detail label={t('message.channel')}>
            {message.channel === 'sms' ? t('channels.sms') : t('channels.email')}
          </Detail>
          <Detail label={t('message.purpose')}>
            <span className="ltr-value">{message.purpose}</span>
          </Detail>
          <Detail label={t('message.module')}>
            <span className="ltr-value">{message.module}</span>
          </Detail>
          <Detail label={t('message.createdAt')}>{fmt.dateTime(message.createdAt)}</Detail>
          <Detail label={t('message.sentAt')}>{fmt.dateTime(message.sentAt)}</Detail>
          <Detail label={t('message.attempts')}>{fmt.number(message.attempts)}</Detail>
          {customerId && can('customers.read') ? (
            <Detail label={t('message.customer')}>
              <Anchor
                size="sm"
                renderRoot={(props) => <Link {...props} to="/customers/$id" params={{ id: customerId }} />}
              >
                {t('message.openCustomer')}
              </Anchor>
            </Detail>
          ) : null}
          {message.lastError ? (
            <Detail label={t('message.lastError')}>
              <span className="ltr-value" data-testid="message-error">
                {message.lastError}
              </span>
            </Detail>
          ) : null}
        </SimpleGrid>
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          {t('message.body')}
        </Title>
        <MessageBody message={message} />
      </Card>
    </Stack>
  );
}

/** One message as it was sent (or kept): its details and its whole text. */
export function MessagePage() {
  return (
    <RequirePermission permission="messaging.read">
      <Message />
    </RequirePermission>
  );
}
