import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import i18next, { type TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, isApiError } from '../api.ts';
import { MainLandmark } from './main-landmark.tsx';
import { PageTitle } from './page-title.tsx';

/** Field-level messages for a form: the server's, else the ones the form set itself. */
export function fieldErrorOf(
  error: unknown,
  local: Record<string, string | undefined>,
  field: string,
  serverField = field,
): string | undefined {
  if (local[field]) return local[field];
  return isApiError(error) ? error.fieldError(serverField) : undefined;
}

/** A message for the whole form; problems tied to a field the form shows are left to that field. */
export function formMessage(error: unknown, t: TFunction): string | null {
  if (!error) return null;
  if (isApiError(error)) {
    if (error.status >= 502) return t('app.offline');
    if (error.status === 403 && error.code !== 'AUTH.CSRF') return error.detail || t('app.forbidden');
    return error.detail || error.title || t('app.error');
  }
  if (error instanceof TypeError) return t('app.offline');
  return error instanceof Error ? error.message : t('app.error');
}

export function FormAlert({ error, fields = [], testId }: { error: unknown; fields?: string[]; testId?: string }) {
  const { t } = useTranslation();
  let message = formMessage(error, t);
  if (!message) return null;
  const shown = (field: string) => fields.some((f) => field === f || field.endsWith(`.${f}`) || field === `/${f}`);
  const others = isApiError(error) ? error.errors.filter((e) => !shown(e.field)) : [];
  // The detail repeats the field messages; with those listed or shown inline, the title says enough.
  if (isApiError(error) && error.errors.length > 0 && error.title) message = error.title;
  return (
    <Alert color="red" variant="light" data-testid={testId ?? 'form-error'} role="alert">
      {message}
      {others.length > 0 ? (
        <ul style={{ margin: '4px 0 0', paddingInlineStart: 18 }}>
          {others.map((e) => (
            <li key={`${e.field}:${e.message}`}>{e.message}</li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}

/** A failed action, told in a notification in the shell's words (whichever feature's screen failed). */
export function notifyError(error: unknown): void {
  const t = i18next.getFixedT(null, 'shell');
  notifications.show({ color: 'red', title: t('app.error'), message: formMessage(error, t) ?? t('app.error') });
}

export function notifySaved(message: string): void {
  notifications.show({ color: 'teal', message });
}

export function PageLoader() {
  const { t } = useTranslation();
  return (
    <Center py="xl" data-testid="loading" role="status" aria-label={t('app.loading')}>
      <Loader />
    </Center>
  );
}

export function QueryError({ error, onRetry, message }: { error: unknown; onRetry?: () => void; message?: string }) {
  const { t } = useTranslation();
  const forbidden = error instanceof ApiError && error.status === 403;
  return (
    <Alert color={forbidden ? 'yellow' : 'red'} variant="light" title={t('app.error')} data-testid="query-error">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{forbidden ? t('app.forbidden') : (message ?? formMessage(error, t))}</Text>
        {onRetry && !forbidden ? (
          <Button size="xs" variant="light" onClick={onRetry}>
            {t('app.retry')}
          </Button>
        ) : null}
      </Stack>
    </Alert>
  );
}

/**
 * A whole screen that could not be drawn (its data did not load, the router
 * caught an error): still a screen, with its level-one heading and a main
 * landmark, the reason and a way to try again.
 */
export function PageError({
  error,
  onRetry,
  title,
  message,
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
  /** Instead of the error's own words (a crash's message is a developer's, in English). */
  message?: string;
}) {
  const { t } = useTranslation();
  return (
    <MainLandmark>
      <Stack gap="md" maw={640} mx="auto" data-testid="page-error">
        <PageTitle>{title ?? t('app.pageError')}</PageTitle>
        <QueryError error={error} {...(onRetry ? { onRetry } : {})} {...(message ? { message } : {})} />
      </Stack>
    </MainLandmark>
  );
}

export function EmptyBlock({
  title,
  text,
  children,
  testId,
  pageTitle = false,
}: {
  title: string;
  text: string;
  children?: ReactNode;
  testId?: string;
  /** The block is the whole screen (not found, forbidden): its title is the screen's level-one heading. */
  pageTitle?: boolean;
}) {
  return (
    <Stack align="center" gap="sm" py={48} px="md" ta="center" data-testid={testId ?? 'empty-state'}>
      {pageTitle ? (
        <PageTitle size="h3">{title}</PageTitle>
      ) : (
        <Text fw={700} size="lg">
          {title}
        </Text>
      )}
      <Text c="dimmed" maw={460}>
        {text}
      </Text>
      {children}
    </Stack>
  );
}
