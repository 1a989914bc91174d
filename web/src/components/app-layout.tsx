import {
  AppShell,
  Avatar,
  Burger,
  Button,
  Group,
  Menu,
  NavLink,
  Stack,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { type ComponentType, type JSX, type ReactNode, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isApiError, setCsrfToken } from '../api.ts';
import type { FeatureRegistry } from '../features/feature-registry.tsx';
import { type Permission, type Role, sessionKey, useCan, useSessionQuery } from '../session.ts';
import { dangerMenuColor } from '../theme.ts';
import { EmptyBlock, PageError, PageLoader } from './errors.tsx';
import { Icon } from './icons.tsx';
import { LanguageSwitch } from './language-switch.tsx';
import { InsideMainLandmark, MainLandmark } from './main-landmark.tsx';

function UserMenu({ name, email, role }: { name: string; email: string; role: Role }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const logout = async () => {
    try {
      await api('/auth/logout', { method: 'POST' });
    } finally {
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(sessionKey, null);
      await navigate({ to: '/login' });
    }
  };
  return (
    <Menu position="bottom-end" width={240} withinPortal>
      <Menu.Target>
        {/* The button's name starts with the name it shows (WCAG 2.5.3), then says what it opens. */}
        <UnstyledButton data-testid="user-menu">
          <Group gap={6} wrap="nowrap">
            <Avatar size={32} radius="xl" color="indigo" aria-hidden>
              {name.trim().slice(0, 1).toUpperCase() || '?'}
            </Avatar>
            <Text size="sm" fw={500} visibleFrom="sm" maw={160} truncate>
              {name}
            </Text>
            <VisuallyHidden>{t('nav.userMenu')}</VisuallyHidden>
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('nav.signedInAs')}</Menu.Label>
        <Stack gap={0} px="sm" pb="xs">
          <Text size="sm" fw={600} truncate>
            {name}
          </Text>
          <Text size="xs" c="dimmed" className="ltr-value" truncate>
            {email}
          </Text>
          <Text size="xs" c="dimmed">
            {t(`roles.${role}`)}
          </Text>
        </Stack>
        <Menu.Divider />
        <Menu.Item
          color={dangerMenuColor}
          leftSection={<Icon name="logout" size={16} />}
          onClick={() => void logout()}
          data-testid="logout"
        >
          {t('nav.logout')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/** The signed-in layout: header, the navigation (the features' entries, in their order) and the screen. */
export function AppLayout({ navigation }: { navigation: FeatureRegistry['nav'] }) {
  const { t, i18n } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const session = useSessionQuery();
  const can = useCan();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const mainRef = useRef<HTMLElement>(null);
  const shownPath = useRef<string | null>(null);
  // After moving to another screen, the focus starts at its content (a screen reader reads the new
  // screen, the next Tab goes into it) instead of staying on a link that is gone.
  useEffect(() => {
    if (shownPath.current !== null && shownPath.current !== pathname) mainRef.current?.focus({ preventScroll: true });
    shownPath.current = pathname;
  }, [pathname]);

  if (session.isPending) return <PageLoader />;
  // Without a session there is no layout to draw: the error is a screen of its own.
  if (session.isError) return <PageError error={session.error} onRetry={() => void session.refetch()} />;
  // Signed out while here (logout, expired session): the router's guard takes over on the next navigation.
  if (!session.data) return <PageLoader />;

  const { user, workspace } = session.data;
  const visible = navigation.filter((item) => can(item.permission));
  const isActive = (to: string) => (to === '/' ? pathname === '/' : pathname === to || pathname.startsWith(`${to}/`));

  let content: ReactNode = <Outlet />;
  if (user.role === 'shopper') {
    content = (
      <EmptyBlock title={t(`roles.${user.role}`)} text={t('app.shopperNotice')} testId="shopper-notice" pageTitle />
    );
  }

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={{ base: 'sm', sm: 'lg' }}
    >
      <AppShell.Header>
        <a href="#main-content" className="skip-link" data-testid="skip-link">
          {t('nav.skipToContent')}
        </a>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={t('nav.menu')}
              aria-expanded={opened}
              aria-controls="app-navbar"
              data-testid="nav-burger"
            />
            <Link to="/" style={{ textDecoration: 'none', color: 'inherit', minWidth: 0 }}>
              <Group gap={8} wrap="nowrap">
                <Avatar size={30} radius="md" color="indigo" variant="filled" aria-hidden>
                  K
                </Avatar>
                {/* Not a heading: each screen's own title is its one level-one heading. */}
                <Text
                  component="span"
                  fw={700}
                  size="lg"
                  data-testid="business-name"
                  style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
                >
                  {workspace.name}
                </Text>
              </Group>
            </Link>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LanguageSwitch />
            <UserMenu name={user.name} email={user.email} role={user.role} />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" id="app-navbar" data-testid="navbar" aria-label={t('nav.main')}>
        <Stack gap={4}>
          {visible.map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              // The features' labels name their namespace ('customers:nav.customers'): i18n.t reads any.
              label={i18n.t(item.label)}
              leftSection={<Icon name={item.icon} size={18} />}
              active={isActive(item.to)}
              onClick={close}
              data-testid={item.testId}
              style={{ borderRadius: 'var(--mantine-radius-md)' }}
            />
          ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main id="main-content" tabIndex={-1} ref={mainRef}>
        <div style={{ maxWidth: 1280, marginInline: 'auto' }}>
          <InsideMainLandmark>{content}</InsideMainLandmark>
        </div>
      </AppShell.Main>
    </AppShell>
  );
}

/** Wraps a page that needs a permission; says so plainly instead of showing a broken page. */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const can = useCan();
  const { t } = useTranslation();
  if (!can(permission)) return <EmptyBlock title={t('app.forbidden')} text="" testId="forbidden" pageTitle />;
  return <>{children}</>;
}

/** A screen for the roles that have the permission: `Screen` inside `RequirePermission`. */
export function withPermission(permission: Permission, Screen: ComponentType): () => JSX.Element {
  return function PermittedScreen() {
    return (
      <RequirePermission permission={permission}>
        <Screen />
      </RequirePermission>
    );
  };
}

export function NotFound() {
  const { t } = useTranslation();
  return (
    <MainLandmark>
      <EmptyBlock title={t('app.notFound')} text={t('app.notFoundText')} testId="not-found" pageTitle>
        <Button component={Link} to="/">
          {t('app.goHome')}
        </Button>
      </EmptyBlock>
    </MainLandmark>
  );
}

/** The router's error boundary: inside the app's layout when a screen failed, on its own when the layout did. */
export function RouteError({ error, reset }: { error: unknown; reset: () => void }) {
  const { t } = useTranslation();
  // What reaches the boundary is a screen that failed to draw, not a request: "no connection" would mislead.
  return <PageError error={error} onRetry={reset} {...(isApiError(error) ? {} : { message: t('app.screenError') })} />;
}
