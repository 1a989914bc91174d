import { Anchor, Badge, Button, Card, Grid, Group, Menu, SimpleGrid, Stack, Text } from '@mantine/core';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, isApiError } from '../../api.ts';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock, PageError, PageLoader } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { customerName, formatPhone, useFormat } from '../../format.ts';
import { isKeyOf } from '../../i18n/keys.ts';
import { useCan } from '../../session.ts';
import { dangerMenuColor } from '../../theme.ts';
import type { CustomerPanel } from '../feature.ts';
import { useFeatureRegistry } from '../feature-registry.tsx';
import { ConductModal, EraseModal } from './customer-actions.tsx';
import { ConductBadge, StageBadge, TagList } from './customer-badges.tsx';
import { CustomerFormModal } from './customer-form-modal.tsx';
import { sourceLabel } from './customer-timeline.tsx';
import { customersEn } from './customers.en.ts';
import { type Customer360, useBranches, useCustomer } from './customers-api.ts';
import { TagsEditor } from './tags-editor.tsx';

const route = getRouteApi('/_app/customers/$id');

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Card withBorder padding="sm" data-testid={testId}>
      <Text size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text fw={700} size="lg" mt={2}>
        {value}
      </Text>
    </Card>
  );
}

/** The customer's details and identities. */
export function ProfileCard({ customer }: { customer: Customer360 }) {
  const { t } = useTranslation(['customers', 'shell']);
  const fmt = useFormat();
  const branches = useBranches();
  const branch = branches.data?.items.find((b) => b.id === customer.homeBranchId);
  const address = customer.address
    ? [customer.address.street, customer.address.city, customer.address.zip].filter(Boolean).join(', ')
    : '';
  const rows: Array<[string, string]> = [
    [t('customer.birthday'), customer.birthday ? fmt.date(customer.birthday) : ''],
    [t('customer.address'), address],
    [t('customerForm.branch'), branch?.name ?? ''],
    [t('customer.preferredChannel'), customer.preferredChannel ? t(`channels.${customer.preferredChannel}`) : ''],
    [t('customer.externalId'), customer.externalId ?? ''],
    [t('customer.source'), customer.source ? sourceLabel(t, customer.source) : ''],
    [t('customer.createdAt'), fmt.date(customer.createdAt)],
  ];
  const attributes = Object.entries(customer.attributes ?? {}).filter(([, v]) => v !== null && v !== '');
  // After a merge the same phone can be recorded from both sides; show it once.
  const identities = customer.identities.filter(
    (x, i, all) => all.findIndex((y) => y.kind === x.kind && y.value === x.value) === i,
  );
  return (
    <Card withBorder padding="md" data-testid="customer-profile">
      <Text fw={700} mb="xs">
        {t('customer.profile')}
      </Text>
      <Stack gap={6}>
        {rows
          .filter(([, v]) => v)
          .map(([label, value]) => (
            <Group key={label} justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
              <Text size="sm" c="dimmed">
                {label}
              </Text>
              <Text size="sm" ta="end">
                {value}
              </Text>
            </Group>
          ))}
        {attributes.map(([key, value]) => (
          <Group key={key} justify="space-between" gap="xs" wrap="nowrap">
            <Text size="sm" c="dimmed">
              {key}
            </Text>
            <Text size="sm">{String(value)}</Text>
          </Group>
        ))}
      </Stack>
      <Text fw={700} mt="md" mb="xs">
        {t('customer.identities')}
      </Text>
      {identities.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('customer.noIdentities')}
        </Text>
      ) : (
        <Stack gap={4} data-testid="customer-identities">
          {identities.map((identity) => (
            <Group key={identity.id} justify="space-between" gap="xs" wrap="nowrap">
              <Text size="sm" c="dimmed">
                {isKeyOf(customersEn.customer.identityKinds, identity.kind)
                  ? t(`customer.identityKinds.${identity.kind}`)
                  : identity.kind}
              </Text>
              <Text size="sm" className="ltr-value" truncate>
                {identity.kind === 'phone' ? formatPhone(identity.value) : identity.value}
              </Text>
            </Group>
          ))}
        </Stack>
      )}
    </Card>
  );
}

function CustomerView({ customer }: { customer: Customer360 }) {
  const { t, i18n } = useTranslation(['customers', 'shell']);
  const fmt = useFormat();
  const can = useCan();
  const [editing, setEditing] = useState(false);
  const [flagging, setFlagging] = useState(false);
  const [erasing, setErasing] = useState(false);
  // The cards below the totals come from the features (the timeline, consents, duplicates, the profile, …).
  const { customerPanels } = useFeatureRegistry();
  const panels = (column: CustomerPanel['column']) => customerPanels.filter((p) => p.column === column);
  const name = customerName(customer, i18n.language) || t('customers.unnamed');
  const otherName =
    i18n.language === 'en'
      ? [customer.firstName, customer.lastName].filter(Boolean).join(' ')
      : [customer.firstNameLatin, customer.lastNameLatin].filter(Boolean).join(' ');
  const active = customer.status === 'active' || !customer.status;

  return (
    <Stack gap="md" data-testid="customer-360">
      <Anchor component={Link} to="/customers" size="sm">
        {i18n.dir() === 'rtl' ? '→' : '←'} {t('customer.back')}
      </Anchor>
      <Card withBorder padding="md">
        <Group justify="space-between" align="flex-start" gap="md">
          <Stack gap={4} style={{ minWidth: 0 }}>
            <Group gap="xs">
              <PageTitle data-testid="customer-title">{name}</PageTitle>
              <StageBadge stage={customer.lifecycleStage} />
              <ConductBadge flag={customer.conductFlag} />
              {!active ? (
                <Badge color="gray" variant="filled" data-testid="customer-status">
                  {t(`customer.${customer.status === 'erased' ? 'erased' : 'archived'}`)}
                </Badge>
              ) : null}
            </Group>
            {otherName && otherName !== name ? <Text c="dimmed">{otherName}</Text> : null}
            <Group gap="md">
              {customer.phone ? (
                <Anchor href={`tel:${customer.phone}`} className="ltr-value" data-testid="customer-phone">
                  {formatPhone(customer.phone)}
                </Anchor>
              ) : null}
              {customer.email ? (
                <Anchor href={`mailto:${customer.email}`} className="ltr-value" data-testid="customer-email">
                  {customer.email}
                </Anchor>
              ) : null}
            </Group>
            <Group gap={4} wrap="nowrap" align="center">
              <TagList tags={customer.tags} max={12} />
              {can('customers.tag') && active ? <TagsEditor customer={customer} /> : null}
            </Group>
            {customer.conductFlag && customer.conductNote ? (
              <Text size="sm" c="red.8">
                {customer.conductNote}
              </Text>
            ) : null}
          </Stack>
          <Group gap="xs">
            {can('customers.write') && active ? (
              <>
                <Button
                  variant="light"
                  leftSection={<Icon name="edit" size={16} />}
                  onClick={() => setEditing(true)}
                  data-testid="edit-customer"
                >
                  {t('customer.editProfile')}
                </Button>
                <Button
                  variant="default"
                  leftSection={<Icon name="flag" size={16} />}
                  onClick={() => setFlagging(true)}
                  data-testid="conduct-edit"
                >
                  {t('conduct.edit')}
                </Button>
              </>
            ) : null}
            {can('customers.export') || can('customers.erase') ? (
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <Button variant="default" data-testid="customer-more">
                    {t('customer.more')}
                  </Button>
                </Menu.Target>
                <Menu.Dropdown>
                  {can('customers.export') ? (
                    <Menu.Item
                      component="a"
                      href={apiUrl(`/customers/${customer.id}/export`)}
                      download={`customer-${customer.id}.json`}
                      leftSection={<Icon name="download" size={16} />}
                      data-testid="export-customer"
                    >
                      {t('customer.export')}
                    </Menu.Item>
                  ) : null}
                  {can('customers.erase') && customer.status !== 'erased' ? (
                    <Menu.Item
                      color={dangerMenuColor}
                      leftSection={<Icon name="trash" size={16} />}
                      onClick={() => setErasing(true)}
                      data-testid="erase-customer"
                    >
                      {t('customer.erase')}
                    </Menu.Item>
                  ) : null}
                </Menu.Dropdown>
              </Menu>
            ) : null}
          </Group>
        </Group>
      </Card>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" data-testid="customer-totals">
        <Stat label={t('customer.orders')} value={fmt.number(customer.totals.ordersCount)} testId="total-orders" />
        <Stat label={t('customer.totalSpent')} value={fmt.money(customer.totals.totalSpent)} testId="total-spent" />
        <Stat label={t('customer.firstOrder')} value={fmt.date(customer.totals.firstOrderAt)} testId="first-order" />
        <Stat label={t('customer.lastOrder')} value={fmt.date(customer.totals.lastOrderAt)} testId="last-order" />
      </SimpleGrid>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            {panels('main').map(({ id, Panel }) => (
              <Panel key={id} customer={customer} />
            ))}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="md">
            {panels('side').map(({ id, Panel }) => (
              <Panel key={id} customer={customer} />
            ))}
          </Stack>
        </Grid.Col>
      </Grid>
      <CustomerFormModal opened={editing} onClose={() => setEditing(false)} customer={customer} />
      <ConductModal opened={flagging} onClose={() => setFlagging(false)} customer={customer} />
      <EraseModal opened={erasing} onClose={() => setErasing(false)} customer={customer} />
    </Stack>
  );
}

function CustomerLoader() {
  const { t } = useTranslation(['customers', 'shell']);
  const { id } = route.useParams();
  const customer = useCustomer(id);
  if (customer.isPending) return <PageLoader />;
  if (customer.isError) {
    if (isApiError(customer.error) && (customer.error.status === 404 || customer.error.status === 400)) {
      return (
        <EmptyBlock
          title={t('shell:app.notFound')}
          text={customer.error.detail || t('shell:app.notFoundText')}
          testId="customer-not-found"
          pageTitle
        >
          <Button component={Link} to="/customers">
            {t('customer.back')}
          </Button>
        </EmptyBlock>
      );
    }
    return <PageError error={customer.error} onRetry={() => void customer.refetch()} />;
  }
  return <CustomerView customer={customer.data} />;
}

export const CustomerPage = withPermission('customers.read', CustomerLoader);
