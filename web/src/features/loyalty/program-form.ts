import type { TFunction } from 'i18next';
import type { Program, ProgramInput } from './loyalty-api.ts';
import { agorot, shekels } from './loyalty-format.ts';

/** A number field's value as Mantine's NumberInput gives it: a number, or '' while empty. */
export type NumberValue = number | string;

/** One row of the tiers editor; `key` names the row on the screen (a new tier has no id yet). */
export type TierRow = {
  key: string;
  id?: string;
  name: string;
  /** Points, or shekels spent, by the club's tier basis. */
  threshold: NumberValue;
  /** Earning times this (1.25 earns a quarter more). */
  multiplier: NumberValue;
  birthdayPoints: NumberValue;
  earlyAccess: boolean;
  perks: string;
};

/** The settings as the screen edits them: money in shekels, multipliers as factors. */
export type ProgramForm = {
  name: string;
  status: ProgramInput['status'];
  earnPoints: NumberValue;
  earnPerShekels: NumberValue;
  redeemPoints: NumberValue;
  redeemShekels: NumberValue;
  pendingDays: NumberValue;
  expiryMode: ProgramInput['expiryMode'];
  expiryMonths: NumberValue;
  expiryWarningDays: NumberValue;
  qualification: ProgramInput['qualification'];
  tierBasis: ProgramInput['tierBasis'];
  downgrade: ProgramInput['downgrade'];
  joinTerms: string;
  tiers: TierRow[];
};

export const expiryModes = ['none', 'batch', 'inactivity'] as const satisfies readonly ProgramForm['expiryMode'][];
export const qualifications = [
  'rolling_12',
  'calendar_year',
  'lifetime',
] as const satisfies readonly ProgramForm['qualification'][];
export const tierBases = ['spend', 'points'] as const satisfies readonly ProgramForm['tierBasis'][];
export const downgrades = ['one_tier', 'replace'] as const satisfies readonly ProgramForm['downgrade'][];

let rowCount = 0;
export function newRowKey(): string {
  rowCount += 1;
  return `tier-${rowCount}`;
}

/** A threshold as the screen shows it: shekels for a club whose tiers go by spend. */
const shownThreshold = (threshold: number, basis: ProgramForm['tierBasis']) =>
  basis === 'spend' ? shekels(threshold) : threshold;

export function formOf(program: Program): ProgramForm {
  return {
    name: program.name,
    status: program.status,
    earnPoints: program.earnPoints,
    earnPerShekels: shekels(program.earnPerAgorot),
    redeemPoints: program.redeemPoints,
    redeemShekels: shekels(program.redeemValueAgorot),
    pendingDays: program.pendingDays,
    expiryMode: program.expiryMode,
    expiryMonths: program.expiryMonths,
    expiryWarningDays: program.expiryWarningDays,
    qualification: program.qualification,
    tierBasis: program.tierBasis,
    downgrade: program.downgrade,
    joinTerms: program.joinTerms,
    tiers: program.tiers.map((tier) => ({
      key: newRowKey(),
      id: tier.id,
      name: tier.name,
      threshold: shownThreshold(tier.threshold, program.tierBasis),
      multiplier: tier.earnMultiplierPct / 100,
      birthdayPoints: tier.birthdayPoints,
      earlyAccess: tier.earlyAccess,
      perks: tier.perks,
    })),
  };
}

/**
 * A new club's settings: a point for each shekel, 100 points worth 5 ₪, points usable after the 14 days in
 * which Israeli law lets a buyer cancel, kept two years, and three tiers by spend in the last 12 months.
 */
export function defaultForm(t: TFunction<'loyalty'>): ProgramForm {
  const tier = (name: string, threshold: number, multiplier: number, birthdayPoints: number, perks: string) => ({
    key: newRowKey(),
    name,
    threshold,
    multiplier,
    birthdayPoints,
    earlyAccess: false,
    perks,
  });
  return {
    name: t('defaults.name'),
    status: 'active',
    earnPoints: 1,
    earnPerShekels: 1,
    redeemPoints: 100,
    redeemShekels: 5,
    pendingDays: 14,
    expiryMode: 'batch',
    expiryMonths: 24,
    expiryWarningDays: 30,
    qualification: 'rolling_12',
    tierBasis: 'spend',
    downgrade: 'one_tier',
    joinTerms: t('defaults.joinTerms'),
    tiers: [
      tier(t('defaults.silver'), 0, 1, 50, ''),
      tier(t('defaults.gold'), 2000, 1.25, 100, t('defaults.goldPerks')),
      { ...tier(t('defaults.platinum'), 5000, 1.5, 200, t('defaults.platinumPerks')), earlyAccess: true },
    ],
  };
}

export function emptyTier(): TierRow {
  return { key: newRowKey(), name: '', threshold: '', multiplier: 1, birthdayPoints: 0, earlyAccess: false, perks: '' };
}

const num = (value: NumberValue) => (typeof value === 'number' ? value : Number(value));
const filled = (value: NumberValue) => value !== '' && Number.isFinite(num(value));

/**
 * What the form lacks before it can go to the server, by the server's field names
 * (`name`, `tiers.1.threshold`), with the message the screen shows.
 */
export function missingFields(form: ProgramForm): string[] {
  const missing: string[] = [];
  if (!form.name.trim()) missing.push('name');
  const numbers: [string, NumberValue][] = [
    ['earnPoints', form.earnPoints],
    ['earnPerAgorot', form.earnPerShekels],
    ['redeemPoints', form.redeemPoints],
    ['redeemValueAgorot', form.redeemShekels],
    ['pendingDays', form.pendingDays],
    ['expiryMonths', form.expiryMonths],
    ['expiryWarningDays', form.expiryWarningDays],
  ];
  for (const [field, value] of numbers) if (!filled(value)) missing.push(field);
  form.tiers.forEach((tier, i) => {
    if (!tier.name.trim()) missing.push(`tiers.${i}.name`);
    if (!filled(tier.threshold)) missing.push(`tiers.${i}.threshold`);
    if (!filled(tier.multiplier)) missing.push(`tiers.${i}.earnMultiplierPct`);
    if (!filled(tier.birthdayPoints)) missing.push(`tiers.${i}.birthdayPoints`);
  });
  return missing;
}

/** The body of PUT /loyalty/program: shekels back to agorot, factors back to percent. */
export function bodyOf(form: ProgramForm): ProgramInput {
  const threshold = (value: NumberValue) => (form.tierBasis === 'spend' ? agorot(num(value)) : Math.round(num(value)));
  return {
    name: form.name.trim(),
    status: form.status,
    earnPoints: Math.round(num(form.earnPoints)),
    earnPerAgorot: agorot(num(form.earnPerShekels)),
    redeemPoints: Math.round(num(form.redeemPoints)),
    redeemValueAgorot: agorot(num(form.redeemShekels)),
    pendingDays: Math.round(num(form.pendingDays)),
    expiryMode: form.expiryMode,
    expiryMonths: Math.round(num(form.expiryMonths)),
    expiryWarningDays: Math.round(num(form.expiryWarningDays)),
    qualification: form.qualification,
    tierBasis: form.tierBasis,
    downgrade: form.downgrade,
    joinTerms: form.joinTerms.trim(),
    tiers: form.tiers.map((tier) => ({
      ...(tier.id ? { id: tier.id } : {}),
      name: tier.name.trim(),
      threshold: threshold(tier.threshold),
      earnMultiplierPct: Math.round(num(tier.multiplier) * 100),
      birthdayPoints: Math.round(num(tier.birthdayPoints)),
      earlyAccess: tier.earlyAccess,
      perks: tier.perks.trim(),
    })),
  };
}
