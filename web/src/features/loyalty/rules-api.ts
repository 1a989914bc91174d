import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { productPageSchema } from '../../../../src/modules/commerce/commerce.schemas.ts';
import type { ruleBody, ruleSchema, rulesListSchema } from '../../../../src/modules/loyalty/loyalty.rules.schemas.ts';
import { api, type Reply } from '../../api.ts';

// The earning rules' replies and bodies, as the server's schemas give them.
export type Rule = Reply<typeof ruleSchema>;
export type RuleInput = Reply<typeof ruleBody>;
type RulesList = Reply<typeof rulesListSchema>;
type ProductPage = Reply<typeof productPageSchema>;

/** The events the club knows by name, in the order the form offers them; any other name is a custom event. */
export const namedEvents = ['joined', 'birthday', 'survey_answered', 'referral_qualified'] as const;
export type NamedEvent = (typeof namedEvents)[number];
export const isNamedEvent = (value: string | null): value is NamedEvent => namedEvents.some((e) => e === value);

export const ruleAwards = ['per_ils', 'per_order', 'multiplier'] as const satisfies readonly NonNullable<
  Rule['award']
>[];
export const limitPeriods = ['ever', 'day', 'week', 'month', 'year'] as const satisfies readonly Rule['limitPeriod'][];

export const ruleKeys = { all: ['loyalty', 'rules'] as const, products: ['loyalty', 'rules', 'products'] as const };

export function useRules() {
  return useQuery({ queryKey: ruleKeys.all, queryFn: ({ signal }) => api<RulesList>('/loyalty/rules', { signal }) });
}

/** Creates a rule, or replaces one whole (`id`): a pause is a save with status 'paused'. */
export function useSaveRule(id: string | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: RuleInput) =>
      id
        ? api<Rule>(`/loyalty/rules/${id}`, { method: 'PUT', body })
        : api<Rule>('/loyalty/rules', { method: 'POST', body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ruleKeys.all }),
  });
}

/** A rule as its PUT body: the fields it was made with, its status changed to `status` when given. */
export function inputOf(rule: Rule, status: Rule['status'] = rule.status): RuleInput {
  const { id: _id, awards: _awards, awardedPoints: _points, createdAt: _c, updatedAt: _u, ...input } = rule;
  return { ...input, status };
}

/** The catalogue's products for the rule form's picker (the first 500 by SKU). */
export function useRuleProducts(enabled: boolean) {
  return useQuery({
    queryKey: ruleKeys.products,
    queryFn: ({ signal }) => api<ProductPage>('/products', { query: { limit: 500 }, signal }),
    enabled,
    staleTime: 60_000,
  });
}
