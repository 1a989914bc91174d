import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './styles.css';
import { DirectionProvider, MantineProvider, MantineThemeProvider, useDirection } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { type ReactNode, StrictMode, useEffect, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { features } from './features/index.ts';
import { initI18n } from './i18n/index.ts';
import { queryClient, setSignedOutHandler } from './query-client.ts';
import { router } from './router.tsx';
import { cssVariablesResolver, localizedTheme, theme } from './theme.ts';

const i18n = initI18n(features);

setSignedOutHandler(() => {
  const { pathname, href } = router.state.location;
  if (pathname !== '/login') void router.navigate({ to: '/login', search: { redirect: href } });
});

/** Keeps Mantine's direction in step with the language (Hebrew is RTL). */
function DirectionSync() {
  const { i18n: instance } = useTranslation();
  const { setDirection } = useDirection();
  useEffect(() => {
    setDirection(instance.language === 'en' ? 'ltr' : 'rtl');
  }, [instance.language, setDirection]);
  return null;
}

/** Gives Mantine's built-in buttons (close, clear) names in the current language. */
function LocalizedTheme({ children }: { children: ReactNode }) {
  const { t, i18n: instance } = useTranslation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the names change with the language
  const localized = useMemo(() => localizedTheme(t), [t, instance.language]);
  return <MantineThemeProvider theme={localized}>{children}</MantineThemeProvider>;
}

const root = document.getElementById('root');
if (!root) throw new Error('No #root element');

createRoot(root).render(
  <StrictMode>
    <DirectionProvider initialDirection={i18n.language === 'en' ? 'ltr' : 'rtl'} detectDirection={false}>
      <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
        <LocalizedTheme>
          <DirectionSync />
          <Notifications position="bottom-center" />
          <QueryClientProvider client={queryClient}>
            <RouterProvider router={router} />
          </QueryClientProvider>
        </LocalizedTheme>
      </MantineProvider>
    </DirectionProvider>
  </StrictMode>,
);
