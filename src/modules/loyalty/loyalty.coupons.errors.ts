import type { ErrorSpec } from '../../platform/module.ts';

/**
 * Why a reward cannot be redeemed or a coupon used, in Hebrew and English:
 * the coupon API's validate answers one of these as its reason, redeem and
 * void as their problem. Part of the loyalty module's `errors`.
 */
export const couponErrors = {
  'COUPON.NOT_FOUND': { status: 404, he: 'קוד הקופון אינו מוכר', en: 'Unknown coupon code' },
  'COUPON.ALREADY_USED': { status: 409, he: 'הקופון כבר מומש', en: 'The coupon has already been used' },
  'COUPON.VOIDED': { status: 409, he: 'הקופון בוטל', en: 'The coupon was cancelled' },
  'COUPON.EXPIRED': { status: 409, he: 'תוקף הקופון פג', en: 'The coupon has expired' },
  'COUPON.NOT_YET_VALID': { status: 409, he: 'הקופון עוד לא בתוקף', en: 'The coupon is not valid yet' },
  'COUPON.INACTIVE': { status: 409, he: 'המבצע של הקופון הופסק', en: 'The coupon’s promotion has been stopped' },
  'COUPON.OUT_OF_STOCK': { status: 409, he: 'הקופונים של המבצע אזלו', en: 'The promotion’s coupons have run out' },
  'COUPON.NOT_CUSTOMERS': { status: 422, he: 'הקופון שייך ללקוח אחר', en: 'The coupon belongs to another customer' },
  'COUPON.MEMBER_REQUIRED': {
    status: 422,
    he: 'הקופון לחברי המועדון בלבד: יש לזהות את הלקוח',
    en: 'The coupon is for club members: identify the customer',
  },
  'COUPON.NOT_ELIGIBLE': {
    status: 422,
    he: 'הקופון אינו מיועד לדרגת המועדון של הלקוח',
    en: 'The coupon is not for the customer’s club tier',
  },
  'COUPON.BASKET_TOO_SMALL': {
    status: 422,
    he: 'סכום הקנייה נמוך מהמינימום של הקופון',
    en: 'The basket is under the coupon’s minimum',
  },
  'COUPON.CODE_TAKEN': { status: 409, he: 'קוד הקופון כבר בשימוש', en: 'This coupon code is already in use' },
  'COUPON.NOT_VOIDABLE': {
    status: 409,
    he: 'אפשר לבטל רק קופון של הטבה שנקנתה בנקודות',
    en: 'Only the coupon of a reward bought with points can be voided',
  },
  'LOYALTY.REWARD_NOT_FOUND': { status: 404, he: 'ההטבה לא נמצאה', en: 'Reward not found' },
  'LOYALTY.REWARD_UNAVAILABLE': { status: 409, he: 'ההטבה אינה מוצעת כעת', en: 'The reward is not offered now' },
  'LOYALTY.REWARD_OUT_OF_STOCK': { status: 409, he: 'ההטבה אזלה מהמלאי', en: 'The reward is out of stock' },
  'LOYALTY.REWARD_TIER': { status: 422, he: 'ההטבה שמורה לדרגה גבוהה יותר', en: 'The reward is for a higher tier' },
  'LOYALTY.REWARD_LIMIT': {
    status: 409,
    he: 'החבר כבר מימש את ההטבה כמספר הפעמים המותר',
    en: 'The member has redeemed this reward as many times as allowed',
  },
  'LOYALTY.CAMPAIGN_NOT_FOUND': { status: 404, he: 'המבצע לא נמצא', en: 'Campaign not found' },
  'LOYALTY.CAMPAIGN_NOT_POOL': {
    status: 409,
    he: 'למבצע הזה קוד משותף אחד ולא מאגר קודים',
    en: 'This campaign has one shared code, not a pool of codes',
  },
} as const satisfies Record<string, ErrorSpec>;
