import {
  ActionIcon,
  Box,
  Button,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/icons.tsx';
import { isKeyOf } from '../../i18n/keys.ts';
import {
  emptyGroup,
  emptyRule,
  type GroupDraft,
  type Match,
  type RuleDraft,
  type RuleErrors,
  type RulesDraft,
  valueKindOf,
  withField,
} from './segment-rules.ts';
import { segmentsEn } from './segments.en.ts';
import { type Operator, type SegmentField, useWorkspaceTags } from './segments-api.ts';

type Part = 'field' | 'op' | 'value' | 'withinDays';
/** Each row's messages: the server's (by the path it named), or 'fill this in' for what a save found missing. */
type RowMessages = (key: string) => Partial<Record<Part, string>>;

/** The inputs of one line share it; on a phone each takes the whole width. */
const cell = { flex: '1 1 11rem', minWidth: 0 } as const;
/** Two inputs of a range share one cell twice as wide. */
const wideCell = { flex: '2 1 16rem', minWidth: 0 } as const;

function useFieldData(fields: readonly SegmentField[]) {
  const { t, i18n } = useTranslation('segments');
  const lang = i18n.language === 'en' ? 'en' : 'he';
  const groups: { group: string; items: { value: string; label: string }[] }[] = [];
  for (const field of fields) {
    const group = isKeyOf(segmentsEn.modules, field.module) ? t(`modules.${field.module}`) : field.module;
    let found = groups.find((g) => g.group === group);
    if (!found) {
      found = { group, items: [] };
      groups.push(found);
    }
    found.items.push({ value: field.key, label: field.label[lang] });
  }
  return groups;
}

/** The value inputs a rule's field and operator take: none, one, two (a range) or a list. */
function ValueInputs({
  rule,
  field,
  error,
  onChange,
}: {
  rule: RuleDraft;
  field: SegmentField;
  error: string | undefined;
  onChange: (next: RuleDraft) => void;
}) {
  const { t, i18n } = useTranslation('segments');
  const lang = i18n.language === 'en' ? 'en' : 'he';
  const kind = valueKindOf(field.type, rule.op, field.options !== null);
  // The workspace's tags are offered for the customer's tags; any other list field is typed freely.
  const tags = useWorkspaceTags(kind === 'tags' && field.key === 'customer.tags');
  const set = (patch: Partial<RuleDraft>) => onChange({ ...rule, ...patch });
  const decimals = field.type === 'number' ? {} : { allowDecimal: false };
  switch (kind) {
    case 'none':
      return null;
    case 'text':
      return (
        <TextInput
          style={cell}
          label={t('builder.value')}
          value={rule.text}
          onChange={(e) => set({ text: e.currentTarget.value })}
          maxLength={200}
          error={error}
          data-testid="rule-value"
        />
      );
    case 'number':
      return (
        <NumberInput
          style={cell}
          label={t('builder.value')}
          value={rule.number}
          onChange={(v) => set({ number: v })}
          {...decimals}
          error={error}
          data-testid="rule-value"
        />
      );
    case 'numberRange':
      return (
        <Group gap="xs" align="flex-start" wrap="nowrap" style={wideCell}>
          <NumberInput
            style={{ flex: 1, minWidth: 0 }}
            label={t('builder.from')}
            value={rule.number}
            onChange={(v) => set({ number: v })}
            error={error}
            data-testid="rule-value-from"
          />
          <NumberInput
            style={{ flex: 1, minWidth: 0 }}
            label={t('builder.to')}
            value={rule.numberTo}
            onChange={(v) => set({ numberTo: v })}
            error={error ? true : undefined}
            data-testid="rule-value-to"
          />
        </Group>
      );
    case 'date':
      return (
        <TextInput
          style={cell}
          type="date"
          label={t('builder.value')}
          value={rule.date}
          onChange={(e) => set({ date: e.currentTarget.value })}
          error={error}
          data-testid="rule-value"
        />
      );
    case 'dateRange':
      return (
        <Group gap="xs" align="flex-start" wrap="wrap" style={wideCell}>
          <TextInput
            style={{ flex: '1 1 9rem', minWidth: 0 }}
            type="date"
            label={t('builder.from')}
            value={rule.date}
            onChange={(e) => set({ date: e.currentTarget.value })}
            error={error}
            data-testid="rule-value-from"
          />
          <TextInput
            style={{ flex: '1 1 9rem', minWidth: 0 }}
            type="date"
            label={t('builder.to')}
            value={rule.dateTo}
            onChange={(e) => set({ dateTo: e.currentTarget.value })}
            error={error ? true : undefined}
            data-testid="rule-value-to"
          />
        </Group>
      );
    case 'days':
      return (
        <NumberInput
          style={cell}
          label={t('builder.days')}
          value={rule.days}
          onChange={(v) => set({ days: v })}
          allowDecimal={false}
          allowNegative={false}
          min={1}
          max={36_500}
          error={error}
          data-testid="rule-value"
        />
      );
    case 'options':
      return (
        <MultiSelect
          style={cell}
          label={t('builder.values')}
          data={(field.options ?? []).map((o) => ({ value: o.value, label: o[lang] }))}
          value={rule.list}
          onChange={(v) => set({ list: v })}
          searchable
          error={error}
          data-testid="rule-value"
        />
      );
    default:
      return (
        <TagsInput
          style={cell}
          label={t('builder.values')}
          placeholder={rule.list.length === 0 ? t('builder.valuesPlaceholder') : undefined}
          data={(tags.data?.items ?? []).map((x) => x.tag)}
          value={rule.list}
          onChange={(v) => set({ list: v })}
          error={error}
          data-testid="rule-value"
        />
      );
  }
}

/** One rule: its field (grouped by module), its operator (only the field's), its value and, for a period field, the last N days. */
function RuleRow({
  rule,
  n,
  fields,
  messages,
  onChange,
  onRemove,
}: {
  rule: RuleDraft;
  /** Its number as the screen counts: "2", or "3.1" for the first rule of the third item's group. */
  n: string;
  fields: readonly SegmentField[];
  messages: Partial<Record<Part, string>>;
  onChange: (next: RuleDraft) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation('segments');
  const fieldData = useFieldData(fields);
  const field = fields.find((f) => f.key === rule.field);
  const operators = (field?.operators ?? []) as Operator[];
  const label = t('builder.ruleNumber', { n });
  return (
    <Paper
      withBorder
      p="sm"
      radius="md"
      role="group"
      aria-label={label}
      data-testid="segment-rule"
      data-field={rule.field}
      data-invalid={Object.keys(messages).length > 0 ? 'true' : undefined}
    >
      <Group align="flex-start" gap="xs" wrap="nowrap">
        <Group align="flex-start" gap="sm" style={{ flex: 1, minWidth: 0 }}>
          <Select
            style={cell}
            label={t('builder.field')}
            placeholder={t('builder.fieldPlaceholder')}
            data={fieldData}
            value={rule.field || null}
            onChange={(key) =>
              onChange(
                withField(
                  rule,
                  fields.find((f) => f.key === key),
                ),
              )
            }
            searchable
            allowDeselect={false}
            maxDropdownHeight={320}
            error={messages.field}
            data-testid="rule-field"
          />
          <Select
            style={cell}
            label={t('builder.op')}
            data={operators.map((op) => ({ value: op, label: t(`operators.${op}`) }))}
            value={rule.op || null}
            onChange={(op) => onChange({ ...rule, op: operators.find((o) => o === op) ?? rule.op })}
            allowDeselect={false}
            disabled={!field}
            error={messages.op}
            data-testid="rule-op"
          />
          {field ? <ValueInputs rule={rule} field={field} error={messages.value} onChange={onChange} /> : null}
          {field?.period ? (
            <NumberInput
              style={cell}
              label={t('builder.withinDays')}
              placeholder={t('builder.withinDaysHelp')}
              value={rule.withinDays}
              onChange={(v) => onChange({ ...rule, withinDays: v })}
              allowDecimal={false}
              allowNegative={false}
              min={1}
              max={3650}
              error={messages.withinDays}
              data-testid="rule-within-days"
            />
          ) : null}
        </Group>
        <ActionIcon
          variant="subtle"
          color="red"
          size="lg"
          mt={24}
          onClick={onRemove}
          aria-label={t('builder.removeRule', { n })}
          data-testid="rule-remove"
        >
          <Icon name="trash" size={18} />
        </ActionIcon>
      </Group>
    </Paper>
  );
}

/** The word between two rules of a list: "and" when all must hold, "or" when any may. */
function Joiner({ match }: { match: Match }) {
  const { t } = useTranslation('segments');
  return (
    <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="xs" data-testid="rule-joiner">
      {t(`builder.joiner.${match}`)}
    </Text>
  );
}

function MatchControl({
  value,
  onChange,
  label,
  options,
  testId,
}: {
  value: Match;
  onChange: (match: Match) => void;
  label: string;
  options: Record<Match, string>;
  testId: string;
}) {
  return (
    <SegmentedControl
      value={value}
      onChange={(v) => onChange(v === 'any' ? 'any' : 'all')}
      data={[
        { value: 'all', label: options.all },
        { value: 'any', label: options.any },
      ]}
      aria-label={label}
      data-testid={testId}
    />
  );
}

/** A sub-group: its own all/any over its own rules, one level deep. */
function GroupBox({
  group,
  index,
  fields,
  messagesOf,
  onChange,
  onRemove,
}: {
  group: GroupDraft;
  index: number;
  fields: readonly SegmentField[];
  messagesOf: RowMessages;
  onChange: (next: GroupDraft) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation('segments');
  const setRule = (i: number, next: RuleDraft) =>
    onChange({ ...group, rules: group.rules.map((r, j) => (j === i ? next : r)) });
  const removeRule = (i: number) => {
    const rules = group.rules.filter((_, j) => j !== i);
    if (rules.length === 0) onRemove();
    else onChange({ ...group, rules });
  };
  const title = t('builder.groupTitle', { match: t(`builder.groupMatch.${group.match}`) });
  return (
    <Paper
      withBorder
      p="sm"
      radius="md"
      bg="var(--mantine-color-gray-0)"
      role="group"
      aria-label={`${index}. ${title}`}
      data-testid="segment-group"
    >
      <Stack gap="xs">
        <Group justify="space-between" gap="xs">
          <Group gap="xs">
            <Text size="sm" fw={600}>
              {t('builder.groupMatchLabel')}
            </Text>
            <MatchControl
              value={group.match}
              onChange={(match) => onChange({ ...group, match })}
              label={t('builder.groupMatchLabel')}
              options={{ all: t('builder.groupMatch.all'), any: t('builder.groupMatch.any') }}
              testId="group-match"
            />
          </Group>
          <Button
            variant="subtle"
            color="red"
            size="compact-sm"
            onClick={onRemove}
            leftSection={<Icon name="trash" size={16} />}
            data-testid="group-remove"
          >
            {t('builder.removeGroup')}
          </Button>
        </Group>
        {group.rules.map((rule, i) => (
          <Stack gap={4} key={rule.key}>
            {i > 0 ? <Joiner match={group.match} /> : null}
            <RuleRow
              rule={rule}
              n={`${index}.${i + 1}`}
              fields={fields}
              messages={messagesOf(rule.key)}
              onChange={(next) => setRule(i, next)}
              onRemove={() => removeRule(i)}
            />
          </Stack>
        ))}
        <Group>
          <Button
            variant="light"
            size="compact-sm"
            leftSection={<Icon name="plus" size={16} />}
            onClick={() => onChange({ ...group, rules: [...group.rules, emptyRule()] })}
            data-testid="group-add-rule"
          >
            {t('builder.addRuleToGroup')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/**
 * The segment's rules: all or any of a list of rules and groups, each group all or any of its own rules (two
 * levels, as the API takes them). `errors` are the server's messages by row; `missing` the rows a save found
 * unfinished, by what they lack.
 */
export function RuleBuilder({
  draft,
  fields,
  errors,
  missing,
  onChange,
  footer,
}: {
  draft: RulesDraft;
  fields: readonly SegmentField[];
  errors: RuleErrors;
  missing: ReadonlyMap<string, string> | null;
  onChange: (next: RulesDraft) => void;
  footer?: ReactNode;
}) {
  const { t } = useTranslation('segments');
  const messagesOf: RowMessages = (key) => {
    const lacking = missing?.get(key);
    const own = errors.get(key) ?? {};
    return lacking === 'field' || lacking === 'op' || lacking === 'value' || lacking === 'withinDays'
      ? { ...own, [lacking]: t('builder.required') }
      : own;
  };
  const setItem = (i: number, next: RuleDraft | GroupDraft) =>
    onChange({ ...draft, rules: draft.rules.map((r, j) => (j === i ? next : r)) });
  const removeItem = (i: number) => onChange({ ...draft, rules: draft.rules.filter((_, j) => j !== i) });
  const other: Match = draft.match === 'all' ? 'any' : 'all';
  return (
    <Stack gap="sm" data-testid="rule-builder">
      <Group gap="xs">
        <Text size="sm" fw={600}>
          {t('builder.matchLabel')}
        </Text>
        <MatchControl
          value={draft.match}
          onChange={(match) => onChange({ ...draft, match })}
          label={t('builder.matchLabel')}
          options={{ all: t('builder.match.all'), any: t('builder.match.any') }}
          testId="segment-match"
        />
      </Group>
      {draft.rules.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="rules-empty">
          {t('builder.noRules')}
        </Text>
      ) : null}
      {draft.rules.map((item, i) => (
        <Box key={item.key}>
          {i > 0 ? <Joiner match={draft.match} /> : null}
          {item.kind === 'rule' ? (
            <RuleRow
              rule={item}
              n={String(i + 1)}
              fields={fields}
              messages={messagesOf(item.key)}
              onChange={(next) => setItem(i, next)}
              onRemove={() => removeItem(i)}
            />
          ) : (
            <GroupBox
              group={item}
              index={i + 1}
              fields={fields}
              messagesOf={messagesOf}
              onChange={(next) => setItem(i, next)}
              onRemove={() => removeItem(i)}
            />
          )}
        </Box>
      ))}
      <Group gap="xs">
        <Button
          variant="light"
          leftSection={<Icon name="plus" size={18} />}
          onClick={() => onChange({ ...draft, rules: [...draft.rules, emptyRule()] })}
          data-testid="add-rule"
        >
          {t('builder.addRule')}
        </Button>
        <Button
          variant="default"
          leftSection={<Icon name="plus" size={18} />}
          onClick={() => onChange({ ...draft, rules: [...draft.rules, emptyGroup(other)] })}
          title={t('builder.addGroupHelp')}
          data-testid="add-group"
        >
          {t('builder.addGroup')}
        </Button>
      </Group>
      {footer}
    </Stack>
  );
}
