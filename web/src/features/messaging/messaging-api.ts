import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  messageChannels,
  messageStatuses,
  messagingChannelsSchema,
  outboxMessageDetailSchema,
  outboxMessageSchema,
  outboxPageSchema,
} from '../../../../src/modules/messaging/messaging.schemas.ts';
import { api } from '../../api.ts';

/** The JSON of the server's replies, from its schemas (type-only: nothing of the server reaches the bundle). */
export type OutboxMessage = z.input<typeof outboxMessageSchema>;
export type OutboxMessageDetail = z.input<typeof outboxMessageDetailSchema>;
type OutboxPage = z.input<typeof outboxPageSchema>;
export type MessagingChannels = z.input<typeof messagingChannelsSchema>;
export type MessageStatus = (typeof messageStatuses)[number];
export type MessageChannel = (typeof messageChannels)[number];

/** In the order the status filter lists them. */
export const statusOrder = [
  'sent',
  'delivered_locally',
  'queued',
  'sending',
  'failed',
  'cancelled',
] as const satisfies readonly MessageStatus[];
export const channelOrder = ['email', 'sms'] as const satisfies readonly MessageChannel[];

export const messagingKeys = {
  list: (filter: OutboxFilter) => ['messaging', 'outbox', filter] as const,
  one: (id: string) => ['messaging', 'message', id] as const,
  channels: ['messaging', 'channels'] as const,
};

export type OutboxFilter = { status: MessageStatus | null; channel: MessageChannel | null };

const unfinished = new Set<MessageStatus>(['queued', 'sending']);

export function useOutbox(filter: OutboxFilter) {
  return useInfiniteQuery({
    queryKey: messagingKeys.list(filter),
    queryFn: ({ pageParam }) =>
      api<OutboxPage>('/messaging/outbox', {
        query: {
          limit: 50,
          cursor: pageParam,
          status: filter.status ?? undefined,
          channel: filter.channel ?? undefined,
        },
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // While something is on its way, its status changes in seconds: look again.
    refetchInterval: (query) =>
      query.state.data?.pages[0]?.items.some((m) => unfinished.has(m.status)) ? 3000 : false,
  });
}

export function useOutboxMessage(id: string) {
  return useQuery({
    queryKey: messagingKeys.one(id),
    queryFn: () => api<OutboxMessageDetail>(`/messaging/outbox/${id}`),
    refetchInterval: (query) => (query.state.data && unfinished.has(query.state.data.status) ? 3000 : false),
  });
}

export function useMessagingChannels() {
  return useQuery({
    queryKey: messagingKeys.channels,
    queryFn: () => api<MessagingChannels>('/messaging/channels'),
    staleTime: 60_000,
  });
}
