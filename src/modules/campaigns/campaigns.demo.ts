import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inWorkspace } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Jobs } from '../../platform/jobs.ts';
import { createTemplateBody } from './campaigns.schemas.ts';
import { createCampaign, createTemplate, dispatchCampaign, sendCampaign } from './campaigns.service.ts';

/**
 * The demo café's two campaigns, sent: a Hanukkah email to its regulars and
 * an SMS win-back to those who have not come for three months. Their
 * messages go into the outbox (kept for its screen when no mail server is
 * set) through `jobs`, so a new user sees the report and the messages.
 * Returns how many each reached.
 */
export async function seedDemoCampaigns(
  db: Kysely<DB>,
  ctx: Ctx,
  jobs: Pick<Jobs, 'send' | 'sendWithin'>,
  publicUrl: string,
  segments: { regulars: string; lapsed: string },
  now: Date,
): Promise<number[]> {
  const email = createTemplateBody.parse({
    name: 'חנוכה: סופגנייה שנייה חינם',
    channel: 'email',
    subject: '{{firstName}}, סופגנייה שנייה עלינו',
    blocks: [
      { type: 'heading', text: 'חג אורים שמח, {{firstName}}!' },
      {
        type: 'text',
        text: 'כל השבוע, בכל הסניפים: קונים סופגנייה — השנייה עלינו.\nמחכים לכם עם קפה חם ושמן זית כתית.',
      },
      { type: 'button', text: 'לתפריט החג', url: 'https://example.co.il/hanukkah' },
    ],
  });
  const sms = createTemplateBody.parse({
    name: 'מתגעגעים',
    channel: 'sms',
    text: '{{firstName}}, מזמן לא ראינו אותך! הקפה הבא עלינו בהצגת ההודעה עד סוף החודש.',
  });
  const reached: number[] = [];
  const campaigns = [
    { name: 'חנוכה 2026', segmentId: segments.regulars, template: email, channelStrategy: 'preferred' as const },
    { name: 'מתגעגעים — נובמבר', segmentId: segments.lapsed, template: sms, channelStrategy: 'sms' as const },
  ];
  for (const c of campaigns) {
    const id = await inWorkspace(db, ctx.workspaceId, async (trx) => {
      const template = await createTemplate(trx, ctx, c.template, now);
      const made = await createCampaign(
        trx,
        ctx,
        {
          name: c.name,
          segmentId: c.segmentId,
          ...(template.channel === 'email' ? { emailTemplateId: template.id } : { smsTemplateId: template.id }),
          channelStrategy: c.channelStrategy,
          quietHours: false,
        },
        now,
      );
      // Dispatched here, not by its job, so the demo is loaded with the campaigns sent.
      await sendCampaign(trx, ctx, { sendWithin: async () => null }, made.id, now);
      return made.id;
    });
    await dispatchCampaign(db, jobs, publicUrl, { workspaceId: ctx.workspaceId, campaignId: id }, () => now);
    const sent = await inWorkspace(db, ctx.workspaceId, (trx) =>
      trx
        .selectFrom('campaign_recipients')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('workspace_id', '=', ctx.workspaceId)
        .where('campaign_id', '=', id)
        .where('status', '=', 'sent')
        .executeTakeFirstOrThrow(),
    );
    reached.push(Number(sent.n));
  }
  return reached;
}
