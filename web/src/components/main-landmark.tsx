import { Box } from '@mantine/core';
import { createContext, type ReactNode, useContext } from 'react';

const InsideMain = createContext(false);

/** Marks what it wraps as being inside the page's main landmark already (the app's layout does). */
export function InsideMainLandmark({ children }: { children: ReactNode }) {
  return <InsideMain.Provider value={true}>{children}</InsideMain.Provider>;
}

/**
 * A screen's main landmark, for screens that may be drawn with or without
 * the app's layout around them (an error, a page not found): inside the
 * layout they use its `<main>`, on their own they bring one, so a page has
 * exactly one either way.
 */
export function MainLandmark({ children, testId }: { children: ReactNode; testId?: string }) {
  if (useContext(InsideMain)) return <>{children}</>;
  return (
    <Box component="main" p={{ base: 'sm', sm: 'lg' }} data-testid={testId}>
      <InsideMainLandmark>{children}</InsideMainLandmark>
    </Box>
  );
}
