import { Alert, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { isolate } from '../../format.ts';
import { useMessagingChannels } from './messaging-api.ts';

/** How this server delivers: by a mail server, or kept on this screen (no mail server; no SMS provider yet). */
export function DeliveryNote() {
  const { t } = useTranslation('messaging');
  const channels = useMessagingChannels();
  if (!channels.data) return null;
  const email = channels.data.items.find((c) => c.channel === 'email');
  const sms = channels.data.items.find((c) => c.channel === 'sms');
  const emailLocal = email?.delivery !== 'provider';
  return (
    <Alert
      color={emailLocal ? 'yellow' : 'blue'}
      variant="light"
      title={emailLocal ? t('outbox.localMail') : undefined}
      data-testid="delivery-note"
      data-email-delivery={email?.delivery ?? 'local'}
    >
      <Stack gap={4}>
        {emailLocal ? (
          <Text size="sm">{t('outbox.localMailHow')}</Text>
        ) : (
          <Text size="sm">
            {t('outbox.smtpMail', { server: isolate(email?.server ?? ''), from: isolate(email?.from ?? '') })}
          </Text>
        )}
        {sms?.delivery !== 'provider' ? <Text size="sm">{t('outbox.localSms')}</Text> : null}
      </Stack>
    </Alert>
  );
}
