import { Button, Group, type GroupProps, Table, type TableProps, type TableThProps, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PageLoader, QueryError } from './errors.tsx';

/** A column's title, or its title with how the column is drawn (`ta="end"` for figures, a width). */
export type Column = string | ({ label: string } & Pick<TableThProps, 'ta' | 'w'>);

/**
 * A table with its header row and `children` as its rows. With `minWidth` it scrolls sideways on a screen
 * narrower than that (and up to `maxHeight` down); the other props are the table's own.
 */
export function DataTable({
  columns,
  minWidth,
  maxHeight,
  children,
  ...table
}: Omit<TableProps, 'children'> & {
  columns: readonly Column[];
  minWidth?: number;
  maxHeight?: number;
  children: ReactNode;
}) {
  const drawn = (
    <Table {...table}>
      <Table.Thead>
        <Table.Tr>
          {columns.map((column) => {
            const { label, ...th } = typeof column === 'string' ? { label: column } : column;
            return (
              <Table.Th key={label} {...th}>
                {label}
              </Table.Th>
            );
          })}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>{children}</Table.Tbody>
    </Table>
  );
  if (minWidth === undefined) return drawn;
  return (
    <Table.ScrollContainer minWidth={minWidth} {...(maxHeight === undefined ? {} : { maxHeight })}>
      {drawn}
    </Table.ScrollContainer>
  );
}

type ListQuery = { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };

/**
 * What a list shows besides its rows: a loader while it loads (unless `loader` is off), its error with a way to
 * try again, and once it loaded nothing (`isEmpty`), `empty`: a line of dimmed text, or a block of its own.
 */
export function ListStatus({
  query,
  isEmpty = false,
  empty,
  loader = true,
}: {
  query: ListQuery;
  isEmpty?: boolean;
  empty?: ReactNode;
  loader?: boolean;
}) {
  return (
    <>
      {loader && query.isPending ? <PageLoader /> : null}
      {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
      {isEmpty && empty ? (
        typeof empty === 'string' ? (
          <Text size="sm" c="dimmed">
            {empty}
          </Text>
        ) : (
          empty
        )
      ) : null}
    </>
  );
}

type PagedQuery = { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };

/** The button under a paged list that brings its next page, while there is one ('Load more' unless `label`). */
export function LoadMore({
  query,
  testId,
  label,
  size,
  ...group
}: Omit<GroupProps, 'children'> & { query: PagedQuery; testId: string; label?: string; size?: 'sm' }) {
  const { t } = useTranslation();
  if (!query.hasNextPage) return null;
  return (
    <Group justify="center" {...group}>
      <Button
        variant="default"
        {...(size ? { size } : {})}
        onClick={() => void query.fetchNextPage()}
        loading={query.isFetchingNextPage}
        data-testid={testId}
      >
        {label ?? t('app.loadMore')}
      </Button>
    </Group>
  );
}
