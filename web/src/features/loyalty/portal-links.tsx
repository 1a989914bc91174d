import { Card, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CopyField } from '../../components/copy-field.tsx';

/** On the club's settings page: the addresses of its public join page and member area, to copy and share. */
export function PortalLinks({ publicKey }: { publicKey: string }) {
  const { t } = useTranslation('loyalty');
  const base = `${window.location.origin}/club/${encodeURIComponent(publicKey)}`;
  return (
    <Card withBorder padding="md" data-testid="portal-links">
      <Title order={2} size="h4" mb="xs">
        {t('portal.settings.title')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('portal.settings.help')}
      </Text>
      <Stack gap="sm">
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            {t('portal.settings.joinLink')}
          </Text>
          <CopyField
            value={`${base}/join`}
            label={t('portal.settings.joinLink')}
            testId="portal-join-url"
            copyTestId="portal-join-url-copy"
          />
        </Stack>
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            {t('portal.settings.portalLink')}
          </Text>
          <CopyField
            value={base}
            label={t('portal.settings.portalLink')}
            testId="portal-home-url"
            copyTestId="portal-home-url-copy"
          />
        </Stack>
      </Stack>
    </Card>
  );
}
