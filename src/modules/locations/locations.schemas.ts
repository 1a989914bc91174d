import { z } from 'zod';

/** A branch as the API gives it. */
export const branchSchema = z.strictObject({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  city: z.string().nullable(),
});
