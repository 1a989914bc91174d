import { Anchor, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { DataTable, ListStatus } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { StatusBadge } from './campaign-parts.tsx';
import { useCampaigns, useTemplates } from './campaigns-api.ts';

function NewCampaignButton({ variant }: { variant?: 'filled' | 'light' }) {
  const { t } = useTranslation('campaigns');
  return (
    <Button
      component={Link}
      to="/campaigns/new"
      variant={variant ?? 'filled'}
      leftSection={<Icon name="plus" size={18} />}
      data-testid="campaign-new-button"
    >
      {t('list.new')}
    </Button>
  );
}

function NewTemplateButton({ variant }: { variant?: 'filled' | 'light' | 'default' }) {
  const { t } = useTranslation('campaigns');
  return (
    <Button
      component={Link}
      to="/campaigns/templates/new"
      variant={variant ?? 'default'}
      leftSection={<Icon name="plus" size={18} />}
      data-testid="template-new-button"
    >
      {t('templates.new')}
    </Button>
  );
}

function CampaignsSection({ manage }: { manage: boolean }) {
  const { t } = useTranslation('campaigns');
  const fmt = useFormat();
  const campaigns = useCampaigns();
  const items = campaigns.data?.items ?? [];
  return (
    <Stack gap="sm" component="section" aria-labelledby="campaigns-heading">
      <Group justify="space-between" gap="sm">
        <Title order={2} size="h3" id="campaigns-heading">
          {t('list.campaignsTitle')}
        </Title>
        {manage && items.length > 0 ? <NewCampaignButton /> : null}
      </Group>
      <ListStatus
        query={campaigns}
        isEmpty={campaigns.isSuccess && items.length === 0}
        empty={
          <Card withBorder>
            <EmptyBlock
              title={t('list.emptyTitle')}
              text={manage ? t('list.emptyText') : t('list.emptyTextRead')}
              testId="campaigns-empty"
            >
              {manage ? <NewCampaignButton /> : null}
            </EmptyBlock>
          </Card>
        }
      />
      {items.length > 0 ? (
        <Card withBorder padding={0}>
          <DataTable
            columns={[
              t('list.columns.name'),
              t('list.columns.status'),
              { label: t('list.columns.recipients'), ta: 'end' },
              t('list.columns.started'),
            ]}
            minWidth={560}
            verticalSpacing="sm"
            data-testid="campaigns-table"
          >
            {items.map((campaign) => (
              <Table.Tr key={campaign.id} data-testid="campaign-row" data-campaign-id={campaign.id}>
                <Table.Td>
                  <Anchor
                    renderRoot={(props) => <Link {...props} to="/campaigns/$id" params={{ id: campaign.id }} />}
                    fw={600}
                    size="sm"
                    data-testid="campaign-open"
                  >
                    <span dir="auto">{campaign.name}</span>
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={campaign.status} testId="campaign-row-status" />
                </Table.Td>
                <Table.Td ta="end" className="nowrap" data-testid="campaign-row-recipients">
                  {fmt.number(campaign.recipients.sent)} / {fmt.number(campaign.recipients.total)}
                </Table.Td>
                <Table.Td className="nowrap">
                  {campaign.startedAt ? fmt.dateTime(String(campaign.startedAt)) : t('list.notStarted')}
                </Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        </Card>
      ) : null}
    </Stack>
  );
}

function TemplatesSection({ manage }: { manage: boolean }) {
  const { t } = useTranslation('campaigns');
  const fmt = useFormat();
  const templates = useTemplates();
  const items = templates.data?.items ?? [];
  return (
    <Stack gap="sm" component="section" aria-labelledby="templates-heading" data-testid="templates-section">
      <Group justify="space-between" gap="sm">
        <Stack gap={2}>
          <Title order={2} size="h3" id="templates-heading">
            {t('list.templatesTitle')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('templates.intro')}
          </Text>
        </Stack>
        {manage && items.length > 0 ? <NewTemplateButton /> : null}
      </Group>
      <ListStatus
        query={templates}
        isEmpty={templates.isSuccess && items.length === 0}
        empty={
          <Card withBorder>
            <EmptyBlock title={t('templates.emptyTitle')} text={t('templates.emptyText')} testId="templates-empty">
              {manage ? <NewTemplateButton variant="filled" /> : null}
            </EmptyBlock>
          </Card>
        }
      />
      {items.length > 0 ? (
        <Card withBorder padding={0}>
          <DataTable
            columns={[
              t('templates.columns.name'),
              t('templates.columns.channel'),
              t('templates.columns.subject'),
              t('templates.columns.created'),
            ]}
            minWidth={560}
            verticalSpacing="sm"
            data-testid="templates-table"
          >
            {items.map((template) => (
              <Table.Tr key={template.id} data-testid="template-row" data-template-id={template.id}>
                <Table.Td>
                  <Anchor
                    renderRoot={(props) => (
                      <Link {...props} to="/campaigns/templates/$id" params={{ id: template.id }} />
                    )}
                    fw={600}
                    size="sm"
                    data-testid="template-open"
                  >
                    <span dir="auto">{template.name}</span>
                  </Anchor>
                </Table.Td>
                <Table.Td className="nowrap">{t(`channels.${template.channel}`)}</Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={1} maw={320}>
                    <span dir="auto">{template.subject ?? template.text}</span>
                  </Text>
                </Table.Td>
                <Table.Td className="nowrap">{fmt.date(String(template.createdAt))}</Table.Td>
              </Table.Tr>
            ))}
          </DataTable>
        </Card>
      ) : null}
    </Stack>
  );
}

function Campaigns() {
  const { t } = useTranslation('campaigns');
  const can = useCan();
  const manage = can('campaigns.manage');
  return (
    <Stack gap="xl" data-testid="campaigns-list">
      <Stack gap={4}>
        <PageTitle>{t('list.title')}</PageTitle>
        <Text c="dimmed" size="sm" maw={640}>
          {t('list.intro')}
        </Text>
      </Stack>
      <CampaignsSection manage={manage} />
      <TemplatesSection manage={manage} />
    </Stack>
  );
}

/** The campaigns (status, how many were sent of how many, when) and the templates they send. */
export const CampaignsPage = withPermission('campaigns.read', Campaigns);
