import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { tierColor } from './loyalty-format.ts';

/** A member's tier as a badge; its name says it, the colour only repeats the rank. */
export function TierBadge({ tier, size }: { tier: { name: string; rank: number } | null; size?: 'sm' | 'md' | 'lg' }) {
  const { t } = useTranslation('loyalty');
  if (!tier) {
    return (
      <Badge color="gray" variant="outline" {...(size ? { size } : {})} data-testid="tier-badge" data-rank={0}>
        {t('card.noTier')}
      </Badge>
    );
  }
  return (
    <Badge
      color={tierColor(tier.rank)}
      variant="light"
      {...(size ? { size } : {})}
      data-testid="tier-badge"
      data-rank={tier.rank}
    >
      {tier.name}
    </Badge>
  );
}
