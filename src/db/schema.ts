/**
 * The whole database as Kysely sees it. Nothing is listed here: each module's
 * `<name>.tables.ts` adds the tables it owns to this interface
 * (`declare module '…/db/schema.ts' { interface DB extends LoyaltyTables {} }`),
 * so a new module brings its tables with its folder and edits no central file.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by each module's tables file (declaration merging)
export interface DB {}
