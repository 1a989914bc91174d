import { subscribe } from './events.ts';
import type { CustomerHooks, ErrorSpec, KlientModule } from './module.ts';
import { type Role, roles } from './roles.ts';
import type { SegmentFieldSpec } from './segment-fields.ts';

/** Every role, from the most to the least trusted. */
export const allRoles: readonly Role[] = roles;

type Installed = {
  modules: readonly KlientModule[];
  grants: ReadonlyMap<Role, ReadonlySet<string>>;
  permissions: readonly string[];
  errors: ReadonlyMap<string, ErrorSpec>;
  customerHooks: readonly [string, CustomerHooks][];
  timelineTypesWithoutPersonalData: readonly string[];
  timelineSources: ReadonlyMap<string, { module: string; eventTypes: readonly string[] }>;
  segmentFields: ReadonlyMap<string, SegmentFieldSpec & { module: string }>;
};

let installed: Installed | undefined;

/**
 * Sets the process up from its list of modules (`src/modules/index.ts`):
 * their permissions, error codes, customer hooks and event subscribers. Called
 * once where a process starts (the server, the CLI, the test set-up), never by
 * importing a module. A permission, error code or module name declared twice
 * stops the start.
 */
export function installModules(list: readonly KlientModule[]): void {
  if (installed?.modules === list) return;
  const names = new Set<string>();
  const owners = new Map<string, string>();
  const grants = new Map<Role, Set<string>>(allRoles.map((role) => [role, new Set<string>()]));
  const errors = new Map<string, ErrorSpec>();
  const claim = (kind: string, key: string, module: string) => {
    const other = owners.get(`${kind}:${key}`);
    if (other) throw new Error(`${kind} ${key} is declared by both ${other} and ${module}`);
    owners.set(`${kind}:${key}`, module);
  };
  for (const module of list) {
    if (names.has(module.name)) throw new Error(`module ${module.name} is listed twice`);
    names.add(module.name);
    for (const [permission, roles] of Object.entries(module.permissions ?? {})) {
      claim('permission', permission, module.name);
      for (const role of roles) grants.get(role)?.add(permission);
    }
    for (const [code, spec] of Object.entries(module.errors ?? {})) {
      claim('error code', code, module.name);
      errors.set(code, spec);
    }
    for (const type of Object.keys(module.timeline?.recorded ?? {})) claim('timeline event', type, module.name);
    for (const [name, source] of Object.entries(module.timeline?.sources ?? {})) {
      claim('timeline source', name, module.name);
      for (const type of source.eventTypes) claim('timeline event', type, module.name);
    }
    for (const key of Object.keys(module.segmentFields ?? {})) claim('segment field', key, module.name);
  }
  installed = {
    modules: list,
    grants,
    permissions: [...owners.keys()]
      .filter((k) => k.startsWith('permission:'))
      .map((k) => k.slice('permission:'.length)),
    errors,
    customerHooks: list.filter((m) => m.customerHooks).map((m) => [m.name, m.customerHooks as CustomerHooks]),
    timelineTypesWithoutPersonalData: list.flatMap((m) =>
      Object.entries(m.timeline?.recorded ?? {})
        .filter(([, spec]) => !spec.personalData)
        .map(([type]) => type),
    ),
    timelineSources: new Map(
      list.flatMap((m) =>
        Object.entries(m.timeline?.sources ?? {}).map(([name, source]) => [
          name,
          { module: m.name, eventTypes: source.eventTypes },
        ]),
      ),
    ),
    segmentFields: new Map(
      list.flatMap((m) =>
        Object.entries(m.segmentFields ?? {}).map(([key, spec]) => [key, { ...spec, module: m.name }]),
      ),
    ),
  };
  for (const module of list) for (const subscriber of module.subscribers ?? []) subscribe(subscriber);
}

function current(): Installed {
  if (!installed) {
    throw new Error('Klient modules are not installed: call installModules(modules) where the process starts');
  }
  return installed;
}

/** The modules this process runs, in their list's order. */
export function installedModules(): readonly KlientModule[] {
  return current().modules;
}

export function roleGrants(role: Role): ReadonlySet<string> {
  return current().grants.get(role) ?? new Set();
}

export function declaredPermissions(): readonly string[] {
  return current().permissions;
}

export function errorSpec(code: string): ErrorSpec {
  const spec = current().errors.get(code);
  if (!spec) throw new Error(`error code ${code} is declared by no module`);
  return spec;
}

/** Every module's customer hooks, for merge, export and erase to call in turn. */
export function installedCustomerHooks(): readonly [string, CustomerHooks][] {
  return current().customerHooks;
}

/** Recorded timeline event types whose data hold no personal text; erasure blanks every other type's. */
export function timelineTypesWithoutPersonalData(): readonly string[] {
  return current().timelineTypesWithoutPersonalData;
}

/** The timeline sources the modules declare, by catalogue name. */
export function declaredTimelineSources(): ReadonlyMap<string, { module: string; eventTypes: readonly string[] }> {
  return current().timelineSources;
}

/** The fields segment rules may test, by key, each with the module that declares it. */
export function installedSegmentFields(): ReadonlyMap<string, SegmentFieldSpec & { module: string }> {
  return current().segmentFields;
}
