import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inWorkspace } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Jobs } from '../../platform/jobs.ts';
import { createTemplateBody } from './campaigns.schemas.ts';
import { createCampaign, createTemplate, dispatchCampaign, sendCampaign } from './campaigns.service.ts';

/**
 * The demo café's two campaigns, sent: a Hanukkah email (or SMS, as each prefers and agreed) to its regulars and
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
  const hanukkahSms = createTemplateBody.parse({
    name: 'חנוכה: SMS',
    channel: 'sms',
    text: '{{firstName}}, חג אורים שמח! כל השבוע סופגנייה שנייה עלינו, בכל הסניפים.',
  });
  const reached: number[] = [];
  const campaigns = [
    {
      name: 'חנוכה 2026',
      segmentId: segments.regulars,
      templates: [email, hanukkahSms],
      channelStrategy: 'preferred' as const,
    },
    { name: 'מתגעגעים — נובמבר', segmentId: segments.lapsed, templates: [sms], channelStrategy: 'sms' as const },
  ];
  for (const c of campaigns) {
    const id = await inWorkspace(db, ctx.workspaceId, async (trx) => {
      const ids: { emailTemplateId?: string; smsTemplateId?: string } = {};
      for (const body of c.templates) {
        const template = await createTemplate(trx, ctx, body, now);
        ids[template.channel === 'email' ? 'emailTemplateId' : 'smsTemplateId'] = template.id;
      }
      const made = await createCampaign(
        trx,
        ctx,
        {
          name: c.name,
          segmentId: c.segmentId,
          ...ids,
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
