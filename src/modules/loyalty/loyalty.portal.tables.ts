import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Moment = ColumnType<Date, Date | string, Date | string>;

/** A one-time sign-in code of the member portal (migration 20261202_070000_member_portal). */
export type LoyaltyPortalCodeTable = {
  workspace_id: string;
  id: string;
  channel: 'email' | 'sms';
  /** sha256 of `channel:address`, the address as the customers module normalises it. */
  address_hash: string;
  /** The member it signs in; null for an address of nobody in the club (a code nobody was sent). */
  customer_id: string | null;
  /** sha256 of `id:code`. */
  code_hash: string;
  attempts: ColumnType<number, number | undefined, number>;
  expires_at: Moment;
  used_at: Moment | null;
  created_at: CreatedAt;
};

/** A member's signed-in session of the portal: the token is kept only as its hash. */
export type LoyaltyPortalSessionTable = {
  workspace_id: string;
  id: string;
  customer_id: string;
  token_hash: string;
  expires_at: Moment;
  ended_at: Moment | null;
  created_at: CreatedAt;
  last_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
};

export interface LoyaltyPortalTables {
  loyalty_portal_codes: LoyaltyPortalCodeTable;
  loyalty_portal_sessions: LoyaltyPortalSessionTable;
}

declare module '../../db/schema.ts' {
  interface DB extends LoyaltyPortalTables {}
}
