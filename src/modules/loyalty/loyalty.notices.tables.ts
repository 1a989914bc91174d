import type { ColumnType } from 'kysely';

type Moment = ColumnType<Date, Date | string, Date | string>;

export type NoticeKind = 'points_available' | 'expiry_warning';

/** One thing a member was told (a release announced, an expiry warned of): the same thing is told once. */
export type LoyaltyNoticeSentTable = {
  workspace_id: string;
  kind: NoticeKind;
  /** A release's transaction id, an earned lot's id, or `inactive:<customer id>:<last activity ISO>`. */
  source_id: string;
  customer_id: string;
  message_id: string | null;
  sent_at: Moment;
};

/** The tables this part owns (the loyalty module's): no other module writes SQL against them. */
export type LoyaltyNoticeTables = {
  loyalty_notices_sent: LoyaltyNoticeSentTable;
};

declare module '../../db/schema.ts' {
  interface DB extends LoyaltyNoticeTables {}
}
