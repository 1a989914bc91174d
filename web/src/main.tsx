import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './styles.css';
import { Badge, createTheme, DirectionProvider, MantineProvider, useDirection } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { initI18n } from './i18n/index.ts';
import { queryClient, setSignedOutHandler } from './query-client.ts';
import { router } from './router.tsx';

const i18n = initI18n();

const theme = createTheme({
  fontFamily: 'system-ui, "Segoe UI", Arial, sans-serif',
  headings: { fontFamily: 'system-ui, "Segoe UI", Arial, sans-serif' },
  primaryColor: 'indigo',
  defaultRadius: 'md',
  components: {
    // Hebrew has no capitals; English badges in capitals would be louder than Hebrew ones.
    Badge: Badge.extend({ defaultProps: { tt: 'none', style: { flexShrink: 0, minWidth: 'max-content' } } }),
  },
});

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

const root = document.getElementById('root');
if (!root) throw new Error('No #root element');

createRoot(root).render(
  <StrictMode>
    <DirectionProvider initialDirection={i18n.language === 'en' ? 'ltr' : 'rtl'} detectDirection={false}>
      <MantineProvider theme={theme} defaultColorScheme="light">
        <DirectionSync />
        <Notifications position="bottom-center" />
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </MantineProvider>
    </DirectionProvider>
  </StrictMode>,
);
