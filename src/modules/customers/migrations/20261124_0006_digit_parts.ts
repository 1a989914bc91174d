import { type Kysely, sql } from 'kysely';

/**
 * Phone fragments found through an exact index. A digit fragment's trigrams
 * ("972", "250", "500") are in nearly every customer's search text, so the
 * trigram index reads most of its postings for a phone search (11–12 ms on
 * 100,000 customers) and rechecks thousands of false hits. Instead every
 * digit-only word of the search text (phones in both forms, numeric external
 * ids) is stored as the set of its substrings of 5 digits or more, and a
 * fragment is one exact lookup in a GIN index over that set.
 * The function must stay immutable: the index is built from its results.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // PL/pgSQL loops, not generate_series in SQL: the planner cannot size those
  // and, costing the function at millions of rows, compiled it with JIT on
  // every call (0.3 s a customer).
  await sql`
    create function klient_digit_parts(search_text text) returns text[]
    language plpgsql immutable parallel safe as $fn$
    declare
      word text;
      parts text[] := '{}';
    begin
      foreach word in array string_to_array(search_text, ' ') loop
        continue when word !~ '^[0-9]{5,16}$';
        for start in 1 .. length(word) - 4 loop
          for len in 5 .. length(word) - start + 1 loop
            parts := parts || substr(word, start, len);
          end loop;
        end loop;
      end loop;
      return array(select distinct part from unnest(parts) as part order by part);
    end
    $fn$`.execute(db);
  // An index on the expression, not a stored column: the sets stay out of the table's rows.
  await sql`create index customers_digit_parts on customers using gin (klient_digit_parts(search_text))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index customers_digit_parts`.execute(db);
  await sql`drop function klient_digit_parts(text)`.execute(db);
}
