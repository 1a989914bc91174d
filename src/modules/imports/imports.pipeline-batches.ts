/** What the pipeline's steps share: its input, what a batch adds, row problems as stored, and the batches in flight. */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import type { Locale } from '../../platform/messages.ts';
import { headerOf, type Mapping } from './imports.mapping.ts';
import { importMessage } from './imports.messages.ts';
import type { ImportSheet } from './imports.sheet.ts';
import type { ImportKind, ImportRowError } from './imports.tables.ts';
import type { RowProblem } from './imports.validate.ts';

/** What one committed batch added: the job adds it to the import's counters in the same transaction. */
export type ImportProgress = {
  processedRows: number;
  insertedRows: number;
  updatedRows: number;
  unchangedRows: number;
  errorRows: number;
  errors: ImportRowError[];
};

export type PipelineInput = {
  db: Kysely<DB>;
  ctx: Ctx;
  kind: ImportKind;
  sheet: ImportSheet;
  mapping: Mapping;
  timeZone: string;
  locale: Locale;
  /** Rows per transaction: small enough that PGlite serves other requests between batches. */
  batchSize?: number;
  /**
   * Order batches in flight at once (orders are independent of each other):
   * on PostgreSQL a second one keeps the server busy while Node prepares.
   */
  concurrency?: number;
  onBatch?: (trx: Trx, progress: ImportProgress) => Promise<void>;
};

export const emptyProgress = (): ImportProgress => ({
  processedRows: 0,
  insertedRows: 0,
  updatedRows: 0,
  unchangedRows: 0,
  errorRows: 0,
  errors: [],
});

/**
 * Row problems as the import stores them: the file's column, the reason in the starter's language,
 * and the message code with its values, so that a reader in another language gets it in theirs.
 */
export function reportProblems(
  progress: ImportProgress,
  problems: RowProblem[],
  input: Pick<PipelineInput, 'mapping' | 'locale' | 'kind'>,
) {
  const rows = new Set<number>();
  for (const p of problems) {
    rows.add(p.row);
    progress.errors.push({
      row: p.row,
      column: p.field ? (headerOf(input.mapping, p.field) ?? p.field) : null,
      reason: importMessage(p.key, input.locale, { ...p.params, importKind: input.kind }),
      code: p.key,
      ...(p.params ? { params: p.params } : {}),
    } as ImportRowError);
  }
  progress.errorRows += rows.size;
}

export type Commit = (write: (trx: Trx) => Promise<ImportProgress>) => Promise<void>;

/**
 * Import batches in flight, at most `limit` at once. A batch that names keys
 * starts only after the running batches that share one of them are done.
 * The first failure stops new batches; finish() rethrows it.
 */
export class BatchRunner {
  readonly #running = new Map<Promise<void>, Set<string>>();
  #failure: { error: unknown } | null = null;

  constructor(readonly limit: number) {}

  get failed(): boolean {
    return this.#failure !== null;
  }

  async run(write: () => Promise<void>, keys: Set<string> = new Set()): Promise<void> {
    for (const [task, taken] of this.#running) {
      for (const key of keys) {
        if (taken.has(key)) {
          await task;
          break;
        }
      }
    }
    while (this.#running.size >= this.limit) await Promise.race(this.#running.keys());
    if (this.#failure) return;
    const task: Promise<void> = write()
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => this.#running.delete(task));
    this.#running.set(task, keys);
  }

  async finish(): Promise<void> {
    await Promise.all(this.#running.keys());
    if (this.#failure) throw this.#failure.error;
  }
}
