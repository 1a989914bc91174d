import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSearchText, normalisePhone, searchTerms } from './customers.normalise.ts';

/** Phones and search text as properties: every way of writing a number, every fragment a person types. */

describe('phone and search properties', () => {
  const prefixes = ['50', '52', '53', '58'];
  const mobile = fc.record({
    prefix: fc.constantFrom(...prefixes),
    rest: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 7, maxLength: 7 }),
  });

  it('every way of writing an Israeli mobile gives the same E.164', () => {
    fc.assert(
      fc.property(mobile, ({ prefix, rest }) => {
        const e164 = `+972${prefix}${rest}`;
        const [a, b, c] = [rest.slice(0, 3), rest.slice(3), rest.slice(3, 5)];
        const formats = [
          `0${prefix}-${rest}`,
          `0${prefix}${rest}`,
          `+972-${prefix}-${a}-${b}`,
          `+972${prefix}${rest}`,
          `00972${prefix}${rest}`,
          `00972-${prefix}-${rest}`,
          ` 0${prefix} ${a} ${b} `,
          `(0${prefix}) ${a}-${c}${rest.slice(5)}`,
          `+972 ${prefix} ${a} ${b}`,
        ];
        for (const format of formats) expect(normalisePhone(format), format).toBe(e164);
      }),
      { numRuns: 300 },
    );
  });

  it('any typed fragment of a stored phone finds it', () => {
    fc.assert(
      fc.property(
        mobile,
        fc.constantFrom('local', 'international', 'dialled'),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('', '-', ' '),
        ({ prefix, rest }, style, start, length, separator) => {
          const e164 = `+972${prefix}${rest}`;
          const text = buildSearchText({ names: ['דנה'], emails: [], phones: [e164], externalIds: [] });
          const written = {
            local: `0${prefix}${rest}`,
            international: `+972${prefix}${rest}`,
            dialled: `00972${prefix}${rest}`,
          }[style];
          let from = start % (written.length - 3);
          let min = 3;
          // From abroad the number is typed whole from its 00972 prefix, or from after it.
          if (style === 'dialled' && from < 5) [from, min] = [0, 6];
          const fragment = written.slice(from, from + min + (length % (written.length - from - min + 1)));
          const typed = fragment.split('').join(separator);
          const terms = searchTerms(typed);
          expect(terms.length).toBeGreaterThan(0);
          for (const term of terms) expect(text, `${typed} -> ${term}`).toContain(term);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any part of a name or email, in any case, finds the customer', () => {
    const word = fc.string({
      unit: fc.constantFrom(...'אבגדהוזחטיכלמנסעפצקרשתabcdefghijKLMNOP'),
      minLength: 1,
      maxLength: 10,
    });
    fc.assert(
      fc.property(word, word, fc.nat(), fc.nat(), (first, last, s, l) => {
        const email = `${first}.${last}@example.com`.toLowerCase();
        const text = buildSearchText({ names: [first, last], emails: [email], phones: [], externalIds: [] });
        const from = s % first.length;
        const typed = `${first.slice(from, from + 1 + (l % first.length)).toUpperCase()}  ${last}`;
        for (const term of searchTerms(typed)) expect(text).toContain(term);
      }),
      { numRuns: 300 },
    );
  });
});
