import { Button } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { EmptyBlock } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { useCan } from '../../session.ts';

/** Where a club screen would be before the club exists: what it is, and who can set it up (or the way to). */
export function NoClubBlock({ testId = 'loyalty-no-club' }: { testId?: string }) {
  const { t } = useTranslation('loyalty');
  const can = useCan();
  const manage = can('loyalty.manage');
  return (
    <EmptyBlock
      title={t('noClub.title')}
      text={manage ? t('noClub.text') : `${t('noClub.text')} ${t('noClub.askManager')}`}
      testId={testId}
    >
      {manage ? (
        <Button
          component={Link}
          to="/loyalty/settings"
          leftSection={<Icon name="star" size={18} />}
          data-testid="loyalty-go-setup"
        >
          {t('noClub.setUp')}
        </Button>
      ) : null}
    </EmptyBlock>
  );
}
