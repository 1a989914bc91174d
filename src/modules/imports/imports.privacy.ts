import { sql } from 'kysely';
import type { CustomerHooks } from '../customers/customers.service.ts';

/** The national digits of a phone (+972 54-123-4567 → 541234567), as a file may have written it. */
function nationalDigits(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.startsWith('972') ? digits.slice(3) : digits.slice(-9);
}

/**
 * An import's error report quotes the values it refused, which may be an
 * erased person's email, phone or customer number: those entries keep their
 * row and column, and say the value was erased instead of quoting it.
 */
export const importsCustomerHooks: CustomerHooks = {
  async erase(trx, ctx, _customerId, person) {
    const texts = [...person.emails, ...person.externalIds].map((v) => v.toLowerCase());
    const phones = person.phones.map(nationalDigits).filter((d) => d.length >= 7);
    if (texts.length + phones.length === 0) return;
    const quotes = (value: ReturnType<typeof sql>) => sql`(
      exists (select 1 from unnest(${texts}::text[]) v where strpos(lower(${value}::text), v) > 0)
      or exists (select 1 from unnest(${phones}::text[]) d
                 where strpos(regexp_replace(${value}::text, '[^0-9]', '', 'g'), d) > 0))`;
    await sql`
      update imports set errors = (
        select coalesce(jsonb_agg(
          case when ${quotes(sql.ref('x.e'))}
            then jsonb_build_object('row', x.e->'row', 'column', x.e->'column', 'code', 'row.erased', 'reason', 'erased')
            else x.e end order by x.n), '[]'::jsonb)
        from jsonb_array_elements(imports.errors) with ordinality as x(e, n))
      where workspace_id = ${ctx.workspaceId} and ${quotes(sql.ref('imports.errors'))}`.execute(trx);
  },
};
