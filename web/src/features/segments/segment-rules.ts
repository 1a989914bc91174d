import type { Operator, SegmentField, SegmentFieldType, SegmentRules } from './segments-api.ts';

/*
 * The rule builder's state: the segment's rules as the screen edits them. A rule row keeps a slot for each kind of
 * value (a text, a number, two dates, a list …) so that changing its operator keeps what was typed where it still
 * fits; only the slots its operator takes go to the server. A row not yet complete (no field, or no value) is left
 * out of the live count, and named as missing when the segment is saved.
 */

export type Match = 'all' | 'any';

/** A number input's value: a number, or the text typed so far ('' while empty). */
export type NumberValue = number | string;

export type RuleDraft = {
  kind: 'rule';
  /** A stable key for React and for finding the row an error names. */
  key: string;
  field: string;
  op: Operator | '';
  text: string;
  number: NumberValue;
  numberTo: NumberValue;
  date: string;
  dateTo: string;
  list: string[];
  days: NumberValue;
  /** The last N days a period field counts over; '' for all time. */
  withinDays: NumberValue;
};

export type GroupDraft = { kind: 'group'; key: string; match: Match; rules: RuleDraft[] };
export type RulesDraft = { match: Match; rules: (RuleDraft | GroupDraft)[] };

/** What a rule's value input is, by its field's type and its operator. */
export type ValueKind = 'none' | 'text' | 'number' | 'numberRange' | 'date' | 'dateRange' | 'days' | 'options' | 'tags';

const valueless = new Set<Operator>(['is_set', 'is_not_set', 'is_true', 'is_false']);
const listOps = new Set<Operator>(['in', 'not_in', 'has_any', 'has_all', 'has_none']);

export function valueKindOf(type: SegmentFieldType, op: Operator | '', hasOptions: boolean): ValueKind {
  if (op === '' || valueless.has(op)) return 'none';
  if (op === 'in_last_days' || op === 'not_in_last_days') return 'days';
  if (listOps.has(op)) return hasOptions ? 'options' : 'tags';
  if (op === 'between') return type === 'date' ? 'dateRange' : 'numberRange';
  if (type === 'number') return 'number';
  if (type === 'date') return 'date';
  return 'text';
}

let nextKey = 0;
const newKey = () => `r${++nextKey}`;

export function emptyRule(): RuleDraft {
  return {
    kind: 'rule',
    key: newKey(),
    field: '',
    op: '',
    text: '',
    number: '',
    numberTo: '',
    date: '',
    dateTo: '',
    list: [],
    days: '',
    withinDays: '',
  };
}

export function emptyGroup(match: Match): GroupDraft {
  return { kind: 'group', key: newKey(), match, rules: [emptyRule()] };
}

/** A rule row for a new field: its first operator chosen, the values of the previous field cleared. */
export function withField(rule: RuleDraft, field: SegmentField | undefined): RuleDraft {
  const fresh = emptyRule();
  return { ...fresh, key: rule.key, field: field?.key ?? '', op: (field?.operators[0] as Operator | undefined) ?? '' };
}

const num = (value: NumberValue) =>
  typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
const isNum = (value: NumberValue) => Number.isFinite(num(value));
const asString = (value: unknown) =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
const asNumber = (value: unknown): NumberValue => (typeof value === 'number' ? value : '');

/** A saved rule as a row of the builder. */
function draftOfRule(rule: { field: string; op: string; value?: unknown; withinDays?: number | undefined }): RuleDraft {
  const draft: RuleDraft = { ...emptyRule(), field: rule.field, op: rule.op as Operator };
  const v = rule.value;
  if (Array.isArray(v)) {
    if (rule.op === 'between') {
      draft.number = asNumber(v[0]);
      draft.numberTo = asNumber(v[1]);
      draft.date = asString(v[0]);
      draft.dateTo = asString(v[1]);
    } else {
      draft.list = v.map(asString).filter(Boolean);
    }
  } else if (rule.op === 'in_last_days' || rule.op === 'not_in_last_days') {
    draft.days = asNumber(v);
  } else {
    draft.text = asString(v);
    draft.number = asNumber(v);
    draft.date = asString(v);
  }
  if (rule.withinDays !== undefined) draft.withinDays = rule.withinDays;
  return draft;
}

export function draftOf(rules: SegmentRules | null | undefined): RulesDraft {
  if (!rules) return { match: 'all', rules: [] };
  return {
    match: rules.match,
    rules: rules.rules.map((r) =>
      'match' in r ? { kind: 'group', key: newKey(), match: r.match, rules: r.rules.map(draftOfRule) } : draftOfRule(r),
    ),
  };
}

type ApiRule = { field: string; op: string; value?: unknown; withinDays?: number };

/** The rule as the API takes it, or what it still lacks ('field', 'op', 'value' or 'withinDays'). */
export function ruleOf(
  draft: RuleDraft,
  fields: ReadonlyMap<string, SegmentField>,
): { rule: ApiRule } | { missing: 'field' | 'op' | 'value' | 'withinDays' } {
  const field = fields.get(draft.field);
  if (!field) return { missing: 'field' };
  if (draft.op === '') return { missing: 'op' };
  const rule: ApiRule = { field: field.key, op: draft.op };
  if (field.period && draft.withinDays !== '') {
    if (!isNum(draft.withinDays)) return { missing: 'withinDays' };
    rule.withinDays = Math.round(num(draft.withinDays));
  }
  switch (valueKindOf(field.type, draft.op, field.options !== null)) {
    case 'none':
      return { rule };
    case 'text':
      if (!draft.text.trim()) return { missing: 'value' };
      return { rule: { ...rule, value: draft.text.trim() } };
    case 'number':
      if (!isNum(draft.number)) return { missing: 'value' };
      return { rule: { ...rule, value: num(draft.number) } };
    case 'numberRange':
      if (!isNum(draft.number) || !isNum(draft.numberTo)) return { missing: 'value' };
      return { rule: { ...rule, value: [num(draft.number), num(draft.numberTo)] } };
    case 'date':
      if (!draft.date) return { missing: 'value' };
      return { rule: { ...rule, value: draft.date } };
    case 'dateRange':
      if (!draft.date || !draft.dateTo) return { missing: 'value' };
      return { rule: { ...rule, value: [draft.date, draft.dateTo] } };
    case 'days':
      if (!isNum(draft.days)) return { missing: 'value' };
      return { rule: { ...rule, value: Math.round(num(draft.days)) } };
    default:
      if (draft.list.length === 0) return { missing: 'value' };
      return { rule: { ...rule, value: draft.list } };
  }
}

/**
 * The rules as the API takes them, with where each went (`rules.rules.1.rules.0` → the row's key) so the server's
 * messages find their rows, and the rows still incomplete. `complete` leaves those rows out (the live count counts
 * what is finished); without it they are only reported, and nothing should be sent.
 */
export function rulesOf(
  draft: RulesDraft,
  fields: ReadonlyMap<string, SegmentField>,
): { rules: SegmentRules; paths: Map<string, string>; missing: Map<string, string> } {
  const paths = new Map<string, string>();
  const missing = new Map<string, string>();
  const out: SegmentRules = { match: draft.match, rules: [] };
  for (const item of draft.rules) {
    if (item.kind === 'rule') {
      const made = ruleOf(item, fields);
      if ('missing' in made) {
        missing.set(item.key, made.missing);
        continue;
      }
      paths.set(`rules.rules.${out.rules.length}`, item.key);
      out.rules.push(made.rule);
      continue;
    }
    const inner: ApiRule[] = [];
    const at = out.rules.length;
    for (const rule of item.rules) {
      const made = ruleOf(rule, fields);
      if ('missing' in made) {
        missing.set(rule.key, made.missing);
        continue;
      }
      paths.set(`rules.rules.${at}.rules.${inner.length}`, rule.key);
      inner.push(made.rule);
    }
    // A group with no finished rule says nothing yet.
    if (inner.length > 0) out.rules.push({ match: item.match, rules: inner });
  }
  return { rules: out, paths, missing };
}

export type RuleErrors = Map<string, Partial<Record<'field' | 'op' | 'value' | 'withinDays', string>>>;

/**
 * The server's messages by the row they name: `rules.rules.1.rules.0.value` (or `body.rules…`) is the value of
 * the first rule of the second item's group. Messages that name no row (the whole group) are left out here.
 */
export function ruleErrorsOf(errors: readonly { field: string; message: string }[], paths: Map<string, string>) {
  const byRow: RuleErrors = new Map();
  const unplaced: { field: string; message: string }[] = [];
  for (const error of errors) {
    const m = /^(?:body\.)?(rules\.rules\.\d+(?:\.rules\.\d+)?)\.(field|op|value|withinDays)(?:\.\d+)?$/.exec(
      error.field,
    );
    const key = m?.[1] ? paths.get(m[1]) : undefined;
    const part = m?.[2] as 'field' | 'op' | 'value' | 'withinDays' | undefined;
    if (!key || !part) {
      unplaced.push(error);
      continue;
    }
    byRow.set(key, { ...byRow.get(key), [part]: error.message });
  }
  return { byRow, unplaced };
}
