import { AppError, type FieldError } from '../../platform/errors.ts';
import { type Basket, shekels } from './loyalty.coupons.schemas.ts';
import type { BenefitKind } from './loyalty.coupons.tables.ts';

/*
 * A benefit: what a coupon takes off a basket. Rewards and campaigns define
 * one; each coupon carries a copy of its own. Amounts are agorot, and a
 * discount is whole agorot rounded down, never more than the basket.
 */

/** A benefit as a create or change gives it (amounts already in agorot). */
export type BenefitInput = {
  kind: BenefitKind;
  percentOff?: number | null | undefined;
  amountOff?: number | null | undefined;
  itemSku?: string | null | undefined;
  minBasket?: number | undefined;
  maxDiscount?: number | null | undefined;
};

/** The benefit's columns, as every table with one keeps them. */
export type BenefitRow = {
  kind: BenefitKind;
  percent_off: number | null;
  amount_off_agorot: string | number | null;
  item_sku: string | null;
  min_basket_agorot: string | number;
  max_discount_agorot: string | number | null;
};

/** The columns of a benefit; refused (naming each field) when its fields do not fit its kind. */
export function benefitRow(input: BenefitInput): BenefitRow {
  const row: BenefitRow = {
    kind: input.kind,
    percent_off: input.percentOff ?? null,
    amount_off_agorot: input.amountOff ?? null,
    item_sku: input.itemSku ?? null,
    min_basket_agorot: input.minBasket ?? 0,
    max_discount_agorot: input.maxDiscount ?? null,
  };
  const fields: FieldError[] = [];
  const needs = (field: string, present: boolean, wanted: boolean) => {
    if (present && !wanted) fields.push({ field, message: 'invalid' });
    if (!present && wanted && field !== 'itemSku' && field !== 'maxDiscount') {
      fields.push({ field, message: 'required' });
    }
  };
  needs('percentOff', row.percent_off !== null, row.kind === 'percent_discount');
  needs('amountOff', row.amount_off_agorot !== null, row.kind === 'amount_discount');
  needs('maxDiscount', row.max_discount_agorot !== null, row.kind === 'percent_discount');
  needs('itemSku', row.item_sku !== null, row.kind === 'gift' || row.kind === 'free_delivery');
  if (fields.length > 0) throw new AppError('VALIDATION', { fields });
  return row;
}

/** A benefit's columns back as a create takes them: for a change that overlays some fields. */
export function benefitInputOf(row: BenefitRow): BenefitInput {
  const count = (v: string | number | null) => (v === null ? null : Number(v));
  return {
    kind: row.kind,
    percentOff: row.percent_off,
    amountOff: count(row.amount_off_agorot),
    itemSku: row.item_sku,
    minBasket: Number(row.min_basket_agorot),
    maxDiscount: count(row.max_discount_agorot),
  };
}

/** A benefit as replies show it: amounts in shekels. */
export function benefitReplyOf(row: BenefitRow) {
  return {
    kind: row.kind,
    percentOff: row.percent_off,
    amountOff: row.amount_off_agorot === null ? null : shekels(row.amount_off_agorot),
    itemSku: row.item_sku,
    minBasket: shekels(row.min_basket_agorot),
    maxDiscount: row.max_discount_agorot === null ? null : shekels(row.max_discount_agorot),
  };
}

/**
 * What the benefit takes off the basket, in agorot: a percent of the total
 * (rounded down, up to its cap), a fixed amount, one unit of the gift's line,
 * or the delivery's whole line. A gift or delivery not in the basket takes off
 * nothing (the till adds the line); no discount is more than the total.
 */
export function discountFor(row: BenefitRow, basket: Basket): number {
  const line = row.item_sku === null ? undefined : basket.items.find((i) => i.sku === row.item_sku);
  let discount = 0;
  switch (row.kind) {
    case 'percent_discount':
      discount = Math.floor((basket.total * (row.percent_off ?? 0)) / 100);
      if (row.max_discount_agorot !== null) discount = Math.min(discount, Number(row.max_discount_agorot));
      break;
    case 'amount_discount':
      discount = Number(row.amount_off_agorot ?? 0);
      break;
    case 'gift':
      discount = line ? line.unitPrice : 0;
      break;
    case 'free_delivery':
      discount = line ? line.unitPrice * line.quantity : 0;
      break;
  }
  return Math.min(discount, basket.total);
}

/** The fields a change names (an absent field is no change; null clears). */
export function definedOf<T extends object>(body: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
