import { Avatar, Box, Center, Group, Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '../../components/language-switch.tsx';
import { PageTitle } from '../../components/page-title.tsx';

export function AuthCard({ title, intro, children }: { title: string; intro?: string; children: ReactNode }) {
  const { t } = useTranslation(['auth', 'shell']);
  return (
    <Box mih="100vh" py={{ base: 'md', sm: 48 }} px="sm">
      <Group component="header" justify="space-between" maw={440} mx="auto" mb="md">
        <Group gap={8}>
          <Avatar size={32} radius="md" color="indigo" variant="filled" aria-hidden>
            K
          </Avatar>
          <Text fw={700}>{t('shell:app.name')}</Text>
        </Group>
        <LanguageSwitch />
      </Group>
      <Center component="main">
        <Paper withBorder shadow="sm" p={{ base: 'md', sm: 'xl' }} radius="lg" w="100%" maw={440}>
          <Stack gap="md">
            <Stack gap={4}>
              <PageTitle>{title}</PageTitle>
              {intro ? <Text c="dimmed">{intro}</Text> : null}
            </Stack>
            {children}
          </Stack>
        </Paper>
      </Center>
    </Box>
  );
}
