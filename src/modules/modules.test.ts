import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineModule } from '../platform/module.ts';
import { errorSpec, installedModules, installModules, roleGrants } from '../platform/registry.ts';
import { modules } from './index.ts';

const here = import.meta.dirname;

describe('the list of modules', () => {
  it('names every module folder, and each folder exports the module of its own name', () => {
    const folders = fs
      .readdirSync(here, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    const listed = modules.map((m) => m.name).filter((name) => name !== 'platform');
    expect(listed.sort()).toEqual(folders);
    for (const name of folders) expect(fs.existsSync(path.join(here, name, `${name}.module.ts`)), name).toBe(true);
  });

  it('is what the process runs: permissions, error codes with statuses and titles, customer hooks', () => {
    expect(installedModules()).toBe(modules);
    expect(roleGrants('marketer').has('customers.tag')).toBe(true);
    expect(roleGrants('marketer').has('customers.write')).toBe(false);
    expect(roleGrants('shopper').size).toBe(0);
    expect(errorSpec('ORDER.REFUND_EXCEEDS_TOTAL')).toMatchObject({ status: 422, he: expect.stringMatching(/זיכוי/) });
  });

  it('refuses a permission, an error code or a module name declared twice', () => {
    const surveys = defineModule({
      name: 'surveys',
      permissions: { 'customers.read': ['owner'] },
    });
    expect(() => installModules([...modules, surveys])).toThrow(
      /customers\.read is declared by both customers and surveys/,
    );
    const clash = defineModule({ name: 'surveys', errors: { 'ORDER.NOT_FOUND': { status: 404, he: 'x', en: 'x' } } });
    expect(() => installModules([...modules, clash])).toThrow(
      /ORDER\.NOT_FOUND is declared by both commerce and surveys/,
    );
    expect(() => installModules([...modules, modules[2]])).toThrow(/customers is listed twice/);
    // A refused list leaves the running one in place.
    expect(installedModules()).toBe(modules);
  });

  it('is the only way anything registers: no module file registers itself when imported', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
          // A call at the top level of a file (no indentation) to something that registers or subscribes.
          const text = fs.readFileSync(file, 'utf8');
          for (const match of text.matchAll(/^(?:await )?(?:register\w*|subscribe|install\w*)\(/gm)) {
            offenders.push(`${path.relative(here, file)}: ${match[0]}`);
          }
        }
      }
    };
    walk(here);
    walk(path.join(here, '../platform'));
    expect(offenders).toEqual([]);
  });
});
