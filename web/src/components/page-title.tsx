import { Title, type TitleProps } from '@mantine/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** Names the browser tab after the screen (WCAG 2.4.2): "Customers · Klient". */
export function useDocumentTitle(title: string): void {
  const { t } = useTranslation();
  const app = t('app.name');
  useEffect(() => {
    document.title = title ? `${title} · ${app}` : app;
  }, [title, app]);
}

/**
 * A screen's title: its one level-one heading (what a screen reader user
 * jumps to first) and the name of the browser tab. Every screen has one.
 */
export function PageTitle({ children, ...props }: Omit<TitleProps, 'order' | 'children'> & { children: string }) {
  useDocumentTitle(children);
  return (
    <Title order={1} {...props}>
      {children}
    </Title>
  );
}
