import { Alert, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/icons.tsx';

/**
 * What the law in Israel generally says about contests, modestly: a draw (a game of chance) generally needs a
 * permit under the Penal Law (section 231); a contest judged on its answers generally does not; check with a lawyer.
 */
export function ContestLawNotice({ kind }: { kind?: 'draw' | 'skill' | undefined }) {
  const { t } = useTranslation('loyalty');
  return (
    <Alert
      color={kind === 'skill' ? 'blue' : 'yellow'}
      variant="light"
      icon={<Icon name="shield" size={18} />}
      title={t('contests.law.title')}
      data-testid="contest-law-notice"
    >
      <Text size="sm">{t('contests.law.draw')}</Text>
      <Text size="sm" mt={4}>
        {t('contests.law.skill')}
      </Text>
      <Text size="xs" c="dimmed" mt={4}>
        {t('contests.law.lawyer')}
      </Text>
    </Alert>
  );
}
