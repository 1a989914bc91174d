import { Anchor, Button, Card, Group, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { notifySaved } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { customerName, formatPhone, useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { StageBadge } from './customer-badges.tsx';
import { type Customer, type Customer360, customerKeys } from './customers-api.ts';

export function DuplicatesPanel({ customer }: { customer: Customer360 }) {
  const { t, i18n } = useTranslation(['customers', 'shell']);
  const fmt = useFormat();
  const can = useCan();
  const queryClient = useQueryClient();
  const [other, setOther] = useState<Customer | null>(null);
  const duplicates = useQuery({
    queryKey: customerKeys.duplicates(customer.id),
    queryFn: () => api<{ items: Customer[] }>(`/customers/${customer.id}/duplicates`),
    enabled: customer.status !== 'erased',
  });
  const merge = useMutation({
    mutationFn: (otherId: string) =>
      api<Customer>(`/customers/${customer.id}/merge`, { method: 'POST', body: { otherId } }),
    onSuccess: async () => {
      setOther(null);
      notifySaved(t('duplicates.merged'));
      await queryClient.invalidateQueries({ queryKey: customerKeys.all });
    },
  });
  const items = duplicates.data?.items ?? [];
  if (customer.status === 'erased') return null;
  const targetName = customerName(customer, i18n.language) || t('customers.unnamed');
  const otherName = other ? customerName(other, i18n.language) || t('customers.unnamed') : '';

  return (
    <Card withBorder padding="md" data-testid="duplicates-panel">
      <Group gap={6} mb="xs">
        <Icon name="merge" size={18} />
        <Text fw={700}>{t('duplicates.title')}</Text>
      </Group>
      {duplicates.isPending ? (
        <Text size="sm" c="dimmed">
          {t('shell:app.loading')}
        </Text>
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('duplicates.none')}
        </Text>
      ) : (
        <Stack gap="sm">
          {items.map((d) => (
            <Card key={d.id} withBorder padding="xs" data-testid="duplicate-item" data-customer-id={d.id}>
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Anchor
                    renderRoot={(props) => <Link {...props} to="/customers/$id" params={{ id: d.id }} />}
                    fw={600}
                    size="sm"
                  >
                    {customerName(d, i18n.language) || t('customers.unnamed')}
                  </Anchor>
                  <Text size="xs" c="dimmed" className="ltr-value" truncate>
                    {[formatPhone(d.phone), d.email].filter(Boolean).join(' · ')}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t('customer.orders')}: {fmt.number(d.totals.ordersCount)} · {fmt.money(d.totals.totalSpent)}
                  </Text>
                </Stack>
                <StageBadge stage={d.lifecycleStage} />
              </Group>
              {can('customers.merge') ? (
                <Button
                  size="compact-sm"
                  variant="light"
                  color="grape"
                  mt="xs"
                  onClick={() => setOther(d)}
                  data-testid="merge-button"
                >
                  {t('duplicates.merge')}
                </Button>
              ) : null}
            </Card>
          ))}
        </Stack>
      )}
      <ConfirmModal
        opened={other !== null}
        onClose={() => {
          setOther(null);
          merge.reset();
        }}
        onCancel={() => setOther(null)}
        title={t('duplicates.confirmTitle')}
        text={t('duplicates.confirmText', { other: otherName, target: targetName })}
        error={merge.error}
        confirm={t('duplicates.confirm')}
        color="grape"
        loading={merge.isPending}
        onConfirm={() => other && merge.mutate(other.id)}
        confirmTestId="merge-confirm"
        testId="merge-modal"
      />
    </Card>
  );
}
