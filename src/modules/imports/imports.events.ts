import { z } from 'zod';
import { defineEvent } from '../../platform/events.ts';

const count = z.number().int().nonnegative();

/** An import finished: what it did, row by row, as its summary says. */
export const importCompleted = defineEvent(
  'import.completed',
  z.object({
    importId: z.uuid(),
    kind: z.enum(['customers', 'orders']),
    filename: z.string(),
    totalRows: count,
    insertedRows: count,
    updatedRows: count,
    unchangedRows: count,
    errorRows: count,
  }),
);
