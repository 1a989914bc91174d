import { Button } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { setLanguage } from '../i18n/index.ts';

/** One click to the other language; the button names the language it switches to, in that language. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const next = i18n.language === 'en' ? 'he' : 'en';
  return (
    <Button
      variant="subtle"
      size="compact-sm"
      onClick={() => setLanguage(next)}
      data-testid="lang-switch"
      lang={next}
      aria-label={`${t('lang.label')}: ${t('lang.switchTo')}`}
    >
      {t('lang.switchTo')}
    </Button>
  );
}
