import { z } from 'zod';
import { instant } from '../../platform/replies.ts';

// The club's contests: a draw among eligible members, or a skill contest judged by staff.

const text = (max: number) => z.string().trim().max(max);
const points = z.number().int().min(0).max(1_000_000_000);

/** A moment a business record can hold: 1900 to 2999. */
const moment = z.iso
  .datetime({ offset: true })
  .refine(
    (v) => {
      const at = Date.parse(v);
      return at >= Date.UTC(1900, 0, 1) && at < Date.UTC(3000, 0, 1);
    },
    { message: 'klient:date.out_of_range' },
  )
  .transform((v) => new Date(v));

export const contestKinds = ['draw', 'skill'] as const;
export const contestStatuses = ['draft', 'open', 'closed', 'drawn'] as const;

export const createContestBody = z
  .object({
    name: text(120).min(1),
    description: text(2000).default(''),
    prize: text(300).min(1),
    /** 'draw': winners by chance among the eligible; 'skill': winners chosen by judging answers. */
    kind: z.enum(contestKinds),
    /** What a skill contest's entrants answer. */
    question: text(2000).default(''),
    /** Tiers whose members may take part; empty for every member. */
    tierIds: z.array(z.uuid()).max(100).default([]),
    minLifetimePoints: points.nullable().default(null),
    minAvailablePoints: points.nullable().default(null),
    /** Only members who joined before this moment. */
    joinedBefore: moment.nullable().default(null),
    /** Points spent to enter (through the ledger); 0 for free. A draw with a cost is among those who entered. */
    entryCostPoints: points.default(0),
    winnersCount: z.number().int().min(1).max(1000),
    opensAt: moment,
    closesAt: moment,
    status: z.enum(['draft', 'open']).default('open'),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.closesAt <= b.opensAt)
      ctx.addIssue({ code: 'custom', path: ['closesAt'], message: 'loyalty:contests.datesOrder' });
    if (b.kind === 'skill' && b.question.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['question'], message: 'required' });
    }
  });
export type CreateContestBody = z.output<typeof createContestBody>;

/** Opens a draft, or closes entries early. */
export const updateContestBody = z.object({ status: z.enum(['open', 'closed']) }).strict();

export const contestEntryBody = z
  .object({
    customerId: z.uuid(),
    /** A skill contest's answer. */
    answer: text(5000).default(''),
  })
  .strict();

export const judgeContestBody = z
  .object({
    winners: z
      .array(z.object({ customerId: z.uuid(), note: text(1000).min(1) }).strict())
      .min(1)
      .max(1000),
  })
  .strict();

export const contestIdParams = z.object({ id: z.uuid() }).strict();

export const listContestsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const listEntriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const winnerSchema = z.strictObject({
  customerId: z.uuid(),
  /** The customer's name as the customer record has it now (blank once erased); never copied into the contest. */
  name: z.string().nullable(),
  rank: z.number().int(),
  note: z.string(),
});

export const contestResultSchema = z.strictObject({
  procedure: z.enum(['hmac-sha256-rank-v1', 'judged']),
  /** 32 bytes as 64 hex digits; null for a judged contest. */
  seed: z.string().nullable(),
  entrantsCount: z.number().int(),
  entrantsDigest: z.string(),
  winners: z.array(winnerSchema),
  decidedBy: z.string(),
  decidedAt: instant,
});

export const contestSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  prize: z.string(),
  kind: z.enum(contestKinds),
  question: z.string(),
  tierIds: z.array(z.uuid()),
  minLifetimePoints: z.number().int().nullable(),
  minAvailablePoints: z.number().int().nullable(),
  joinedBefore: instant.nullable(),
  entryCostPoints: z.number().int(),
  winnersCount: z.number().int(),
  opensAt: instant,
  closesAt: instant,
  /** As stored, except that an open contest past its closing time reads as closed. */
  status: z.enum(contestStatuses),
  entriesCount: z.number().int(),
  result: contestResultSchema.nullable(),
  createdAt: instant,
});

/** One contest with its frozen entrants (customer ids, ascending), once it is decided. */
export const contestDetailSchema = contestSchema.extend({ entrants: z.array(z.uuid()) });

export const contestEntrySchema = z.strictObject({
  customerId: z.uuid(),
  name: z.string().nullable(),
  answer: z.string(),
  pointsPaid: z.number().int(),
  enteredAt: instant,
});

export const contestVerificationSchema = z.strictObject({
  /** Whether re-running the procedure on the stored entrants and seed gives the stored winners. */
  matches: z.boolean(),
  procedure: z.literal('hmac-sha256-rank-v1'),
  seed: z.string(),
  entrantsCount: z.number().int(),
  /** The stored list is still in the draw's order and still has its recorded fingerprint. */
  entrantsIntact: z.boolean(),
  storedWinners: z.array(z.uuid()),
  recomputedWinners: z.array(z.uuid()),
});
