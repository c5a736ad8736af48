// Run by test/structure.test.ts in a fresh process: which layers are registered once only the
// loaders have been imported (as the command line imports them), printed as JSON.
import { registeredLayers } from '../../src/layers/registry.js';

await import('../../src/io/load.js');
console.log(JSON.stringify(registeredLayers().map((r) => r.className)));
