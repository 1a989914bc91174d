import { modules } from '../modules/index.ts';
import { installModules } from '../platform/registry.ts';

// Every test file runs in a process set up as the server's is: from the one list of modules.
installModules(modules);
