/** The queue import jobs wait in; its worker is declared in imports.module.ts. */
export const IMPORT_QUEUE = 'imports.run';
