import { Group, NativeSelect, Select, Table, Text, TextInput } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/lists.tsx';
import { isKeyOf } from '../../i18n/keys.ts';
import { commerceEn } from '../commerce/commerce.en.ts';
import { importsEn } from './imports.en.ts';
import {
  fieldsOf,
  fixedChannels,
  type ImportKind,
  type ImportMapping,
  type ImportPreview,
  isFixedValueField,
  suggestedMappingOf,
} from './imports-api.ts';

/** The column choice that means "one value for every row" (no header is named so). */
const FIXED = '\u0000fixed-value';

/** The mapping's words: the import screens' own and the order fields' (commerce). */
const importNamespaces = ['imports', 'commerce'] as const;
type ImportT = TFunction<typeof importNamespaces>;

function fieldLabel(t: ImportT, kind: ImportKind, field: string): string {
  if (kind === 'orders' && field === 'externalId') return t('imports.fields.orderExternalId');
  if (isKeyOf(importsEn.imports.fields, field)) return t(`imports.fields.${field}`);
  if (isKeyOf(commerceEn.orderDetails.fields, field)) return t(`commerce:orderDetails.fields.${field}`);
  return field;
}

/** The server's suggestion, kept where it names a header of this file or a field that takes a fixed value. */
export function initialMapping(preview: ImportPreview, kind: ImportKind): ImportMapping {
  const mapping: ImportMapping = {};
  const suggested = suggestedMappingOf(preview);
  for (const field of fieldsOf(kind)) {
    const source = suggested[field];
    if (typeof source === 'string' && preview.headers.includes(source)) mapping[field] = source;
    else if (typeof source === 'object' && isFixedValueField(field)) mapping[field] = source;
  }
  return mapping;
}

/** The value every row takes: a channel from Klient's list, or a branch, currency or home branch as typed. */
function FixedValueInput({
  kind,
  field,
  value,
  onChange,
}: {
  kind: ImportKind;
  field: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation(importNamespaces);
  const label = t('commerce:orderDetails.fixedValueFor', { field: fieldLabel(t, kind, field) });
  if (field === 'channel') {
    return (
      <NativeSelect
        aria-label={label}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        data={fixedChannels.map((c) => ({ value: c, label: t(`commerce:orderChannels.${c}`) }))}
        size="sm"
        data-testid={`mapping-${field}-value`}
      />
    );
  }
  return (
    <TextInput
      aria-label={label}
      value={value}
      placeholder={t('commerce:orderDetails.fixedValuePlaceholder')}
      onChange={(e) => onChange(field === 'currency' ? e.currentTarget.value.toUpperCase() : e.currentTarget.value)}
      maxLength={field === 'currency' ? 3 : 100}
      size="sm"
      data-testid={`mapping-${field}-value`}
    />
  );
}

/** Which column of the file feeds each field (or one value for every row). */
export function MappingTable({
  preview,
  kind,
  mapping,
  onChange,
}: {
  preview: ImportPreview;
  kind: ImportKind;
  mapping: ImportMapping;
  onChange: (m: ImportMapping) => void;
}) {
  const { t } = useTranslation(importNamespaces);
  const headerOptions = preview.headers.map((h) => ({ value: h, label: h }));
  const withFixed = [...headerOptions, { value: FIXED, label: t('commerce:orderDetails.fixedValue') }];
  return (
    <DataTable verticalSpacing={6} data-testid="import-mapping" columns={[t('imports.field'), t('imports.column')]}>
      {fieldsOf(kind).map((field) => {
        const source = mapping[field];
        const fixed = typeof source === 'object' ? source : null;
        const set = (value: ImportMapping[string] | null) => {
          const next = { ...mapping };
          if (value) next[field] = value;
          else delete next[field];
          onChange(next);
        };
        return (
          <Table.Tr key={field} data-testid="mapping-row" data-field={field}>
            <Table.Td>
              <Text size="sm" fw={500}>
                {fieldLabel(t, kind, field)}
              </Text>
            </Table.Td>
            <Table.Td>
              <Group gap="xs" wrap="nowrap" grow>
                <Select
                  aria-label={fieldLabel(t, kind, field)}
                  data={isFixedValueField(field) ? withFixed : headerOptions}
                  value={typeof source === 'string' ? source : fixed ? FIXED : null}
                  placeholder={t('imports.notMapped')}
                  onChange={(v) =>
                    // A web shop's export is the usual file without a channel column: web comes first.
                    set(v === FIXED ? { value: field === 'channel' ? 'web' : '' } : typeof v === 'string' ? v : null)
                  }
                  clearable
                  searchable
                  size="sm"
                  data-testid={`mapping-${field}`}
                />
                {fixed ? (
                  <FixedValueInput kind={kind} field={field} value={fixed.value} onChange={(value) => set({ value })} />
                ) : null}
              </Group>
            </Table.Td>
          </Table.Tr>
        );
      })}
    </DataTable>
  );
}
