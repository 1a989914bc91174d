import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Formatters } from '../../format.ts';
import { isKeyOf } from '../../i18n/keys.ts';
import { eventText } from '../customers/customer-timeline.tsx';
import type { TimelineEvent } from '../customers/customers-api.ts';
import type { TimelineRenderer } from '../feature.ts';
import { commerceEn } from './commerce.en.ts';

type BodyProps = { event: TimelineEvent; fmt: Formatters };

function OrderPlacedBody({ event, fmt }: BodyProps) {
  const { t } = useTranslation('commerce');
  const data = event.data ?? {};
  const count = Number(data.itemsCount ?? 0);
  const parts = [t('timeline.orderSummary', { total: fmt.money(eventText(data.total)), count })];
  if (eventText(data.branchName)) parts.push(t('timeline.at', { branch: eventText(data.branchName) }));
  const channel = eventText(data.channel);
  if (channel) {
    parts.push(
      t('timeline.via', {
        channel: isKeyOf(commerceEn.orderChannels, channel) ? t(`orderChannels.${channel}`) : channel,
      }),
    );
  }
  // How the payment stands and where it went, when the source said (an import from Shopify or WooCommerce).
  const status = eventText(data.paymentStatus);
  if (status) {
    const statuses = commerceEn.orderDetails.paymentStatuses;
    parts.push(isKeyOf(statuses, status) ? t(`orderDetails.paymentStatuses.${status}`) : status);
  }
  if (eventText(data.shipCity)) parts.push(t('orderDetails.shippedTo', { city: eventText(data.shipCity) }));
  return <Text size="sm">{parts.join(' · ')}</Text>;
}

function OrderRefundedBody({ event, fmt }: BodyProps) {
  const data = event.data ?? {};
  return (
    <Text size="sm">
      {fmt.money(eventText(data.amount))}
      {eventText(data.reason) ? ` · ${eventText(data.reason)}` : ''}
    </Text>
  );
}

/** Orders on the customer's timeline. */
export const orderTimeline = {
  'order.placed': {
    icon: 'cart',
    color: 'indigo',
    label: 'commerce:timeline.types.order_placed',
    Body: OrderPlacedBody,
  },
  'order.refunded': {
    icon: 'refund',
    color: 'orange',
    label: 'commerce:timeline.types.order_refunded',
    Body: OrderRefundedBody,
  },
} satisfies Record<string, TimelineRenderer>;
