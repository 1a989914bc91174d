import { Anchor, Badge, type MantineColor } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import type { CampaignStatus } from './campaigns-api.ts';

const statusColors: Record<CampaignStatus, MantineColor> = {
  draft: 'gray',
  sending: 'blue',
  sent: 'teal',
  cancelled: 'orange',
};

/** A campaign's status in words, coloured (the colour only repeats what the word says). */
export function StatusBadge({ status, testId }: { status: CampaignStatus; testId?: string }) {
  const { t } = useTranslation('campaigns');
  return (
    <Badge color={statusColors[status]} variant="light" data-testid={testId} data-status={status}>
      {t(`status.${status}`)}
    </Badge>
  );
}

export function BackLink() {
  const { t, i18n } = useTranslation('campaigns');
  return (
    <Anchor component={Link} to="/campaigns" size="sm">
      {i18n.dir() === 'rtl' ? '→' : '←'} {t('back')}
    </Anchor>
  );
}
