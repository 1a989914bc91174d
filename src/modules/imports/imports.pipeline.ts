import { inWorkspace, type Trx } from '../../db/tenancy.ts';
import { resolveMapping } from './imports.mapping.ts';
import { emptyProgress, type ImportProgress, type PipelineInput } from './imports.pipeline-batches.ts';
import { importCustomers } from './imports.pipeline-customers.ts';
import { importOrders } from './imports.pipeline-orders.ts';

export type { ImportProgress, PipelineInput } from './imports.pipeline-batches.ts';

function add(total: ImportProgress, delta: ImportProgress): void {
  total.processedRows += delta.processedRows;
  total.insertedRows += delta.insertedRows;
  total.updatedRows += delta.updatedRows;
  total.unchangedRows += delta.unchangedRows;
  total.errorRows += delta.errorRows;
}

/**
 * Parse → validate → write for one import: the rows go in batches, each in
 * its own transaction, written with the customers' and commerce's bulk
 * functions. A batch commits whole or not at all, so every customer and every
 * order is all-or-nothing; a bad row only costs itself (or its order).
 * Returns the import's totals, without the error list.
 */
export async function runImportPipeline(input: PipelineInput): Promise<ImportProgress> {
  const columns = resolveMapping(input.kind, input.sheet.headers, input.mapping);
  const total = emptyProgress();
  const commit = async (write: (trx: Trx) => Promise<ImportProgress>) => {
    await inWorkspace(input.db, input.ctx.workspaceId, async (trx) => {
      const progress = await write(trx);
      await input.onBatch?.(trx, progress);
      add(total, progress);
    });
  };
  if (input.kind === 'customers') await importCustomers(input, columns, commit);
  else await importOrders(input, columns, commit);
  return total;
}
