/** Customer rows: each value checked and normalised, and the file's repeats of one person told apart. */
import {
  type BulkCustomerInput,
  type ConsentChannel,
  type LifecycleStage,
  lifecycleStages,
} from '../customers/customers.service.ts';
import type { ColumnIndex, ImportField } from './imports.mapping.ts';
import type { SheetRow } from './imports.sheet.ts';
import { email, phone, type Reader, type RowProblem, readerFor, text } from './imports.validate.ts';
import { parseConsent, parseDate, parseDateTime } from './imports.values.ts';

// Keys compared lower-cased, with dashes and spaces as underscores ("Marketing Qualified Lead").
const stageAliases: Record<string, LifecycleStage> = {
  ליד: 'lead',
  מתעניין: 'lead',
  לקוח: 'customer',
  חוזר: 'repeat',
  לקוח_חוזר: 'repeat',
  נאמן: 'loyal',
  לקוח_נאמן: 'loyal',
  בסיכון: 'at_risk',
  אבוד: 'lost',
  לקוח_אבוד: 'lost',
  // HubSpot's stages, by label and by internal value.
  subscriber: 'lead',
  marketing_qualified_lead: 'lead',
  marketingqualifiedlead: 'lead',
  sales_qualified_lead: 'lead',
  salesqualifiedlead: 'lead',
  opportunity: 'lead',
  evangelist: 'loyal',
  other: 'lead',
};

const consentColumns: [ImportField, ConsentChannel][] = [
  ['consentEmail', 'email'],
  ['consentSms', 'sms'],
  ['consentWhatsapp', 'whatsapp'],
];

export type ValidCustomerRow = {
  row: number;
  input: BulkCustomerInput;
  /** The home branch by name or code, as the file gives it (the pipeline finds or creates it). */
  homeBranch?: string;
};

/**
 * Validates customer rows in file order. Besides each value, it keeps the
 * file's own keys: a later row that reaches the same person as an earlier
 * one (same external id, or same email or phone without a different external
 * id) is a duplicate when identical and a conflict when not, so the outcome
 * never depends on where batches happen to split the file.
 */
/** An earlier row of the file that reached a customer: its values (as JSON) and its row number. */
type Seen = { externalId: string | undefined; json: string; row: number };

export class CustomerRowValidator {
  private readonly byExternalId = new Map<string, Seen>();
  private readonly byEmail = new Map<string, Seen>();
  private readonly byPhone = new Map<string, Seen>();

  constructor(private readonly columns: ColumnIndex) {}

  /** The valid input, 'duplicate' for a repeat of an earlier row, or null with problems recorded. */
  check(row: SheetRow, problems: RowProblem[]): ValidCustomerRow | 'duplicate' | null {
    const before = problems.length;
    const r = readerFor(row, this.columns, problems);
    const input: BulkCustomerInput = {};
    const set = <K extends keyof BulkCustomerInput>(key: K, value: BulkCustomerInput[K] | undefined) => {
      if (value !== undefined) input[key] = value;
    };
    set('externalId', text(r, 'externalId', 100));
    set('firstName', text(r, 'firstName', 100));
    set('lastName', text(r, 'lastName', 100));
    set('firstNameLatin', text(r, 'firstNameLatin', 100));
    set('lastNameLatin', text(r, 'lastNameLatin', 100));
    // A full name fills the first and last name the file does not give: "נועה בר לב" → נועה / בר לב.
    const fullName = text(r, 'fullName', 200);
    if (fullName !== undefined) {
      const [first, ...rest] = fullName.split(/\s+/);
      if (input.firstName === undefined && input.lastName === undefined) {
        if (first) input.firstName = first.slice(0, 100);
        if (rest.length) input.lastName = rest.join(' ').slice(0, 100);
      }
    }
    set('email', email(r, 'email'));
    set('phone', phone(r, 'phone'));
    const birthday = r.cell('birthday');
    if (birthday !== undefined) {
      const date = parseDate(birthday) ?? parseDateTime(birthday, 'UTC')?.toISOString().slice(0, 10) ?? null;
      if (!date) r.problem('birthday', 'date.not_valid', { value: birthday });
      else if (date < '1900-01-01' || date > new Date().toISOString().slice(0, 10)) {
        r.problem('birthday', 'birthday.out_of_range', { value: birthday });
      } else input.birthday = date;
    }
    set('street', text(r, 'street', 200));
    set('city', text(r, 'city', 100));
    set('zip', text(r, 'zip', 20));
    const company = text(r, 'company', 200);
    if (company !== undefined) input.attributes = { company };
    set('note', text(r, 'note', 5000));
    const homeBranch = text(r, 'homeBranch', 100);
    const tags = r.cell('tags');
    if (tags !== undefined) {
      const list = [
        ...new Set(
          tags
            .split(/[,;|]/)
            .map((t) => t.trim())
            .filter(Boolean),
        ),
      ];
      if (list.length > 50) r.problem('tags', 'tags.too_many');
      else if (list.some((t) => t.length > 50)) r.problem('tags', 'text.longer_than', { max: 50 });
      else input.tags = list;
    }
    const stage = r.cell('lifecycleStage');
    if (stage !== undefined) {
      const key = stage
        .trim()
        .toLowerCase()
        .replace(/[-\s]+/g, '_');
      const value = (lifecycleStages as readonly string[]).includes(key) ? (key as LifecycleStage) : stageAliases[key];
      if (value) input.lifecycleStage = value;
      else r.problem('lifecycleStage', 'stage.not_valid', { value: stage });
    }
    for (const [field, channel] of consentColumns) {
      const value = r.cell(field);
      if (value === undefined) continue;
      const granted = parseConsent(value);
      if (granted === null) r.problem(field, 'consent.not_valid', { value });
      else input.consents = { ...input.consents, [channel]: granted };
    }
    // "Unsubscribed from all email" (HubSpot): yes revokes email consent; no says nothing about consent.
    const optOut = r.cell('emailOptOut');
    if (optOut !== undefined) {
      const unsubscribed = parseConsent(optOut);
      if (unsubscribed === null) r.problem('emailOptOut', 'consent.not_valid', { value: optOut });
      else if (unsubscribed) input.consents = { ...input.consents, email: false };
    }
    if (problems.length > before) return null;
    // Nobody can find or reach a customer without a name, an email or a phone: such a row may only
    // update a customer the file names by external id, never create an empty one.
    const reachable = input.firstName || input.lastName || input.firstNameLatin || input.lastNameLatin;
    if (!reachable && !input.email && !input.phone) {
      if (!input.externalId) {
        r.problem(null, 'customer.unreachable');
        return null;
      }
      input.mustExist = true;
    }
    return this.remember(row, input, r, homeBranch);
  }

  private remember(
    row: SheetRow,
    input: BulkCustomerInput,
    r: Reader,
    homeBranch: string | undefined,
  ): ValidCustomerRow | 'duplicate' | null {
    const json = JSON.stringify([input, homeBranch]);
    const earlier =
      (input.externalId !== undefined ? this.byExternalId.get(input.externalId) : undefined) ??
      this.sameContact(this.byEmail, input.email, input.externalId) ??
      this.sameContact(this.byPhone, input.phone, input.externalId);
    if (earlier !== undefined) {
      if (earlier.json === json) return 'duplicate';
      const field = input.externalId ? 'externalId' : input.email ? 'email' : 'phone';
      r.problem(field, 'customer.contradicts', { row: earlier.row, value: r.cell(field) ?? '' });
      return null;
    }
    const seen: Seen = { externalId: input.externalId, json, row: row.row };
    if (input.externalId) this.byExternalId.set(input.externalId, seen);
    if (input.email) this.byEmail.set(input.email, seen);
    if (input.phone) this.byPhone.set(input.phone, seen);
    return homeBranch ? { row: row.row, input, homeBranch } : { row: row.row, input };
  }

  private sameContact(seen: Map<string, Seen>, key: string | undefined, externalId: string | undefined) {
    if (key === undefined) return undefined;
    const hit = seen.get(key);
    if (!hit) return undefined;
    if (externalId && hit.externalId && hit.externalId !== externalId) return undefined;
    return hit;
  }
}
