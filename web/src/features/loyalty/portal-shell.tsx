import { Box, Group, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { LanguageSwitch } from '../../components/language-switch.tsx';

/**
 * The frame of the club's public pages (the join page, the member area): outside the staff layout, one narrow
 * column for a phone first, the club's name and the language switch on top. Hebrew and right-to-left unless the
 * visitor switches.
 */
export function PortalShell({ club, children }: { club: string | null; children: ReactNode }) {
  return (
    <Box mih="100vh" bg="gray.0" py={{ base: 'sm', sm: 40 }} px="sm">
      <Group component="header" justify="space-between" maw={560} mx="auto" mb="sm" wrap="nowrap">
        <Text fw={700} size="lg" data-testid="portal-club-name" truncate>
          {club ?? ''}
        </Text>
        <LanguageSwitch />
      </Group>
      <Stack component="main" maw={560} mx="auto" gap="md">
        {children}
      </Stack>
    </Box>
  );
}
