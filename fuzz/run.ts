// `npm run fuzz`: every target of fuzz/targets.ts on COFFER_FUZZ_RUNS inputs (a million by
// default) from COFFER_FUZZ_SEED (random by default, printed so a run can be repeated), one
// line per target with its rate. COFFER_FUZZ_ONLY=name,name runs only those targets. Exits 1
// when a target found an input that breaks it, after printing the input and its seed.
import { runTarget } from './harness.js';
import { TARGETS } from './targets.js';

function intFrom(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`${name} must be a whole number, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

const runs = intFrom('COFFER_FUZZ_RUNS', 1_000_000);
const seed = intFrom('COFFER_FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));
const only = new Set(
  (process.env.COFFER_FUZZ_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const chosen = TARGETS.filter((t) => only.size === 0 || only.has(t.name));
for (const name of only) if (!TARGETS.some((t) => t.name === name)) process.stderr.write(`no target named ${name}; targets: ${TARGETS.map((t) => t.name).join(', ')}\n`);

process.stdout.write(`fuzz: ${chosen.length} targets, ${runs} inputs each, COFFER_FUZZ_SEED=${seed}, node ${process.version}\n`);
let failed = 0;
const started = performance.now();
for (const target of chosen) {
  const r = await runTarget(target, runs, seed);
  const line = `${r.name.padEnd(24)} ${String(r.runs).padStart(9)} inputs  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${Math.round(r.perSecond).toLocaleString('en-US').padStart(9)} inputs/s  ${r.failure === undefined ? 'ok' : 'FAILED'}`;
  process.stdout.write(`${line}\n`);
  if (r.failure !== undefined) {
    failed++;
    process.stdout.write(`  ${target.about}\n  ${r.failure.replaceAll('\n', '\n  ')}\n`);
  }
}
process.stdout.write(`fuzz: ${failed === 0 ? 'every input held' : `${failed} target(s) failed`} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(failed === 0 ? 0 : 1);
