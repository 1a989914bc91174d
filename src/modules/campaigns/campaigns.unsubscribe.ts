import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inWorkspace, type Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { randomToken, safeEqual } from '../../platform/crypto.ts';
import { getWorkspace } from '../../platform/sessions.ts';
import {
  type ConsentChannel,
  changeConsent,
  contactsForSending,
  resolveActiveCustomerId,
} from '../customers/customers.service.ts';

/*
 * One-click unsubscribe. Each marketing message carries a link that names the
 * workspace, the customer and the channel, signed with the workspace's own
 * key (HMAC-SHA256), so nothing per message is stored and a link cannot be
 * made for someone else. Following it (GET shows a page, POST acts, as RFC
 * 8058 has mail programs do) revokes that channel's consent at once, recorded
 * in the consent history with its source; a second click changes nothing.
 */

// Ids without their hyphens: the token stays within the 100 characters a path parameter may have.
const HEX32 = /^[0-9a-f]{32}$/;
const compact = (uuid: string) => uuid.replaceAll('-', '');
const uuidOf = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
const CHANNELS = new Set<ConsentChannel>(['email', 'sms']);

/** The workspace's signing key, made the first time a campaign needs it. */
export async function unsubscribeKey(trx: Trx, ctx: Ctx): Promise<string> {
  await trx
    .insertInto('campaign_keys')
    .values({ workspace_id: ctx.workspaceId, unsubscribe_key: randomToken(32) })
    .onConflict((oc) => oc.column('workspace_id').doNothing())
    .execute();
  const row = await trx
    .selectFrom('campaign_keys')
    .select('unsubscribe_key')
    .where('workspace_id', '=', ctx.workspaceId)
    .executeTakeFirstOrThrow();
  return row.unsubscribe_key;
}

const macOf = (key: string, body: string) => createHmac('sha256', key).update(body).digest('base64url').slice(0, 20);

/** The token of a customer's way out of one channel's marketing. */
export function unsubscribeToken(
  key: string,
  workspaceId: string,
  customerId: string,
  channel: ConsentChannel,
): string {
  const body = `${compact(workspaceId)}.${compact(customerId)}.${channel}`;
  return `${body}.${macOf(key, body)}`;
}

export type Unsubscribe = { workspaceId: string; customerId: string; channel: ConsentChannel };

/** The token's parts, if it is well formed (its signature is checked by `unsubscribe`). */
export function readToken(token: string): (Unsubscribe & { mac: string }) | null {
  const [workspace, customer, channel, mac, ...rest] = token.split('.');
  if (rest.length || !workspace || !customer || !channel || !mac) return null;
  if (!HEX32.test(workspace) || !HEX32.test(customer) || !CHANNELS.has(channel as ConsentChannel)) return null;
  return { workspaceId: uuidOf(workspace), customerId: uuidOf(customer), channel: channel as ConsentChannel, mac };
}

/**
 * Revokes the channel's consent for the token's customer, if its signature
 * holds; null for a token that does not. `revoked` is false when it already was.
 */
export async function unsubscribe(
  db: Kysely<DB>,
  token: string,
): Promise<(Unsubscribe & { revoked: boolean; business: string }) | null> {
  const parts = readToken(token);
  if (!parts) return null;
  const ctx: Ctx = {
    workspaceId: parts.workspaceId,
    actor: { type: 'system', id: null, role: 'owner', name: 'unsubscribe link' },
  };
  return inWorkspace(db, parts.workspaceId, async (trx) => {
    const row = await trx
      .selectFrom('campaign_keys')
      .select('unsubscribe_key')
      .where('workspace_id', '=', parts.workspaceId)
      .executeTakeFirst();
    if (!row) return null;
    const expected = unsubscribeToken(row.unsubscribe_key, parts.workspaceId, parts.customerId, parts.channel);
    if (!safeEqual(expected, token)) return null;
    const business = await getWorkspace(trx, parts.workspaceId);
    const { workspaceId, channel } = parts;
    // The link names the customer it was sent to; one merged since is the customer it was merged into.
    const customerId = (await resolveActiveCustomerId(trx, ctx, parts.customerId)) ?? parts.customerId;
    const customer = (await contactsForSending(trx, ctx, [customerId])).get(customerId);
    // A customer erased since, or one who already left this channel: nothing to change.
    if (!customer || customer.consents[channel] === false) {
      return { workspaceId, customerId, channel, revoked: false, business: business.name };
    }
    await changeConsent(trx, ctx, customerId, {
      channel,
      status: 'revoked',
      source: 'unsubscribe-link',
      textShown: null,
    });
    return { workspaceId, customerId, channel, revoked: true, business: business.name };
  });
}
