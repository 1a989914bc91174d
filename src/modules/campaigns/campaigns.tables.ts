import type { ColumnType, Generated } from 'kysely';
import type { EmailBlock } from './campaigns.templates.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Moment = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type CampaignChannel = 'email' | 'sms';
export type ChannelStrategy = 'email' | 'sms' | 'preferred';
export type CampaignStatus = 'draft' | 'sending' | 'sent' | 'cancelled';
export type RecipientStatus = 'pending' | 'sent' | 'skipped';
/** Why a recipient got nothing: no consent on any channel tried, no address, no template for it, flagged, or no longer a customer. */
export type SkipReason = 'no_consent' | 'no_address' | 'no_template' | 'conduct' | 'gone';

export type MessageTemplateTable = {
  workspace_id: string;
  id: string;
  name: string;
  channel: CampaignChannel;
  subject: string | null;
  blocks: ColumnType<EmailBlock[], string | undefined, string>;
  text_body: Generated<string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type CampaignTable = {
  workspace_id: string;
  id: string;
  name: string;
  segment_id: string;
  email_template_id: string | null;
  sms_template_id: string | null;
  channel_strategy: ChannelStrategy;
  quiet_hours: Generated<boolean>;
  status: Generated<CampaignStatus>;
  started_at: Moment;
  finished_at: Moment;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type CampaignRecipientTable = {
  workspace_id: string;
  campaign_id: string;
  customer_id: string;
  status: Generated<RecipientStatus>;
  channel: CampaignChannel | null;
  skip_reason: SkipReason | null;
  message_id: string | null;
  decided_at: Moment;
};

export type CampaignKeyTable = {
  workspace_id: string;
  unsubscribe_key: string;
  created_at: CreatedAt;
};

/** The tables this module owns: no other module writes SQL against them (src/platform/walls.test.ts). */
export type CampaignsTables = {
  message_templates: MessageTemplateTable;
  campaigns: CampaignTable;
  campaign_recipients: CampaignRecipientTable;
  campaign_keys: CampaignKeyTable;
};

declare module '../../db/schema.ts' {
  interface DB extends CampaignsTables {}
}
