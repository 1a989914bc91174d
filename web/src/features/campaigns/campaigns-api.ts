import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  CreateCampaignBody,
  campaignSchema,
  templatePreviewSchema,
  templateSchema,
} from '../../../../src/modules/campaigns/campaigns.schemas.ts';
import type { EmailBlock } from '../../../../src/modules/campaigns/campaigns.templates.ts';
import { api, type Reply } from '../../api.ts';

// The replies and bodies the campaigns screens read and send, as the server's schemas give them.
export type Template = Reply<typeof templateSchema>;
export type TemplatePreview = Reply<typeof templatePreviewSchema>;
export type Campaign = Reply<typeof campaignSchema>;
export type CampaignStatus = Campaign['status'];
export type ChannelStrategy = Campaign['channelStrategy'];
export type Block = EmailBlock;
export type BlockType = Block['type'];
export type TemplateInput =
  | { name: string; channel: 'email'; subject: string; blocks: Block[] }
  | { name: string; channel: 'sms'; text: string };
export type CampaignInput = Omit<CreateCampaignBody, 'emailTemplateId' | 'smsTemplateId'> & {
  emailTemplateId?: string;
  smsTemplateId?: string;
};

export const channelStrategies = ['email', 'sms', 'preferred'] as const satisfies readonly ChannelStrategy[];
export const skipReasons = ['no_consent', 'no_address', 'no_template', 'conduct', 'gone'] as const;
export const blockTypes = ['heading', 'text', 'button', 'divider'] as const satisfies readonly BlockType[];

export const campaignKeys = {
  all: ['campaigns'] as const,
  list: ['campaigns', 'list'] as const,
  one: (id: string) => ['campaigns', 'one', id] as const,
  templates: ['campaigns', 'templates'] as const,
  template: (id: string) => ['campaigns', 'template', id] as const,
  preview: (id: string) => ['campaigns', 'template-preview', id] as const,
};

export function useCampaigns() {
  return useQuery({
    queryKey: campaignKeys.list,
    queryFn: ({ signal }) => api<{ items: Campaign[] }>('/campaigns', { signal }),
  });
}

/** A campaign and its report; asked for again every 3 seconds while it is sending. */
export function useCampaign(id: string) {
  return useQuery({
    queryKey: campaignKeys.one(id),
    queryFn: ({ signal }) => api<Campaign>(`/campaigns/${id}/report`, { signal }),
    refetchInterval: (query) => (query.state.data?.status === 'sending' ? 3000 : false),
  });
}

export function useTemplates() {
  return useQuery({
    queryKey: campaignKeys.templates,
    queryFn: ({ signal }) => api<{ items: Template[] }>('/templates', { signal }),
  });
}

export function useTemplate(id: string) {
  return useQuery({
    queryKey: campaignKeys.template(id),
    queryFn: ({ signal }) => api<Template>(`/templates/${id}`, { signal }),
  });
}

/** The saved template as a customer gets it: the advertisement mark, the sender and the way out added. */
export function useTemplatePreview(id: string) {
  return useQuery({
    queryKey: campaignKeys.preview(id),
    queryFn: ({ signal }) => api<TemplatePreview>(`/templates/${id}/preview`, { method: 'POST', body: {}, signal }),
  });
}

export function useSaveTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TemplateInput) => api<Template>('/templates', { method: 'POST', body }),
    onSuccess: (template) => {
      queryClient.setQueryData(campaignKeys.template(template.id), template);
      return queryClient.invalidateQueries({ queryKey: campaignKeys.templates });
    },
  });
}

/** Makes a campaign, or with `id` changes that draft. */
export function useSaveCampaign(id?: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CampaignInput) =>
      id
        ? api<Campaign>(`/campaigns/${id}`, { method: 'PUT', body })
        : api<Campaign>('/campaigns', { method: 'POST', body }),
    onSuccess: (campaign) => {
      queryClient.setQueryData(campaignKeys.one(campaign.id), campaign);
      return queryClient.invalidateQueries({ queryKey: campaignKeys.list });
    },
  });
}

/** Deletes a draft. */
export function useDeleteCampaign(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<null>(`/campaigns/${id}`, { method: 'DELETE' }),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: campaignKeys.one(id) });
      return queryClient.invalidateQueries({ queryKey: campaignKeys.list });
    },
  });
}

/** Sends (`send`) or stops (`cancel`) a campaign. */
export function useCampaignAction(id: string, action: 'send' | 'cancel') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<Campaign>(`/campaigns/${id}/${action}`, { method: 'POST' }),
    onSuccess: (campaign) => {
      queryClient.setQueryData(campaignKeys.one(id), campaign);
      return queryClient.invalidateQueries({ queryKey: campaignKeys.list });
    },
  });
}

/** The parts an SMS is billed in: GSM-7 (160, then 153 a part) or, with any other letter (Hebrew), UCS-2 (70, then 67). */
const gsm7 =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const gsm7Extended = '^{}\\[~]|€\f';
export function smsParts(text: string): { encoding: 'gsm7' | 'ucs2'; units: number; segments: number } {
  let units = 0;
  let isGsm = true;
  for (const ch of text) {
    if (gsm7.includes(ch)) units += 1;
    else if (gsm7Extended.includes(ch)) units += 2;
    else {
      isGsm = false;
      break;
    }
  }
  if (!isGsm) units = text.length; // UTF-16 code units
  const [single, multi] = isGsm ? [160, 153] : [70, 67];
  const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
  return { encoding: isGsm ? 'gsm7' : 'ucs2', units, segments };
}
