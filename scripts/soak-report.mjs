// Writes docs/reliability.md from .soak/results.json (made by `npm run soak`).
import { readFileSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';

const { node, runs, replay, source, payload, wheels, bundles, records } = JSON.parse(readFileSync('.soak/results.json', 'utf8'));
// Rows by container, then scenario (records from before the https:// line carry no container: s3).
const CONTAINERS = { s3: 's3:// (s3rver)', https: 'https:// (nginx)', azure: 'azure:// (Azurite)' };
const by = new Map();
for (const r of records) {
  const key = `${r.container ?? 's3'}\t${r.scenario}`;
  by.set(key, [...(by.get(key) ?? []), r]);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : 0;
};
const fmt = (x, d = 2) => x.toFixed(d);
const expected = {
  'random-30%': 'exit 0, every wheel verified',
  'persistent-corruption': 'exit 1 naming the wheel, the others verified',
  'silent-endpoint': 'exit 1 naming the endpoint',
};
const rows = [...by].map(([key, rs]) => {
  const [container, scenario] = key.split('\t');
  const ratios = rs.filter((r) => r.bytesToClient > 0).map((r) => r.bytesToClient / r.payloadBytes);
  return `| ${CONTAINERS[container] ?? container} | ${scenario} | ${rs.length} | ${rs.reduce((a, r) => a + r.faults, 0)} | ${expected[scenario] ?? ''} | ${rs.filter((r) => r.ok).length}/${rs.length} | ${ratios.length ? `${fmt(median(ratios))} (max ${fmt(Math.max(...ratios))})` : 'n/a'} | ${rs.reduce((a, r) => a + r.lost, 0)} | ${rs.reduce((a, r) => a + r.broken, 0)} | ${fmt(median(rs.map((r) => r.seconds)), 1)} (max ${fmt(Math.max(...rs.map((r) => r.seconds)), 1)}) |`;
});
// The soak runs dist/ as it is in the working tree: say when that is not the commit's (as the soak found it when it started).
const commit = source?.commit ?? execSync('git rev-parse --short HEAD').toString().trim();
const dirty = source?.dirty ?? execSync('git status --porcelain -- dist src').toString().trim() !== '';
/** What was run: the commit, and the collect bundle's sha256 when the soak recorded it (both ends, if dist/ changed meanwhile). */
const what =
  `commit ${commit}${dirty ? ' with uncommitted changes in src/ or dist/' : ''}` +
  (bundles ? `, \`dist/collect/index.js\` sha256 ${bundles.start.slice(0, 12)}…${bundles.end !== bundles.start ? ` at the start and ${bundles.end.slice(0, 12)}… at the end (rebuilt during the soak)` : ''}` : '');
const kinds = [...new Set(records.map((r) => r.container ?? 's3'))];
// Scenarios the soak runs fewer times than WG_SOAK_RUNS (at most 5).
const capped = [...by].filter(([, rs]) => rs.length < runs).map(([key, rs]) => `${key.replace('\t', ' ').replace(/^(\w+)/, (c) => `${c}://`)} ${rs.length}`);
const text = `# Reliability report

Written by \`npm run soak\` (scripts/soak-report.mjs) from the runs it just made; ${what}, Node ${node}, ${new Date().toISOString().slice(0, 10)}.
${
  replay
    ? `**A replay of seeds ${replay.join(', ')} (\`WG_SOAK_SEEDS\`), not a soak: these rows are those ${records.length} runs alone.**`
    : `**These figures come from \`WG_SOAK_RUNS=${runs}\`: ${runs} runs per scenario${capped.length ? ` (fewer where the soak caps them at 5: ${capped.join(', ')})` : ''}, ${records.length} runs in all.**`
}
Reproduce: \`WG_SOAK_RUNS=${runs} npm run soak\` (\`npm run soak\` alone: 20 runs per scenario).

Each run is the ${dirty ? "working tree's" : 'committed'} \`dist/collect/index.js\` bundle, run as the Actions runner runs it, collecting ${wheels} wheels
(${fmt(payload / 1e6, 1)} MB: the shipped samples and generated wheels of 1–4 MB) through the fault-injecting TCP proxy of
\`__tests__/helpers/fault-proxy.ts\`, from one of ${['one', 'two', 'three'][kinds.length - 1] ?? kinds.length} servers on 127.0.0.1: s3rver (\`s3://\`),${kinds.includes('azure') ? '' : ' or'} Debian's nginx listing
a directory where post-build parked the same wheels with their sidecars (the \`https://\` container, over plain http on
loopback so that the proxy can see and damage each request; \`__tests__/helpers/nginx.ts\`)${kinds.includes('azure') ? `, or Azurite, Microsoft's Azure
Blob Storage emulator (\`azure://devstoreaccount1/wheels/soak\`, where post-build parked the same wheels; in memory, reached
with its published account key; \`__tests__/helpers/azurite.ts\`)` : ''}. nginx${kinds.includes('azure') ? ' and Azurite answer' : ' answers'} ranges, so a
broken download resumes there as it does from S3. Every connection draws its fate from a generator seeded
per run (the seed is in \`.soak/results.json\`; \`WG_SOAK_SEEDS=SEED npx vitest run --config vitest.soak.config.ts\` replays that run
here, and the e2e test replays its own scenarios with \`WG_FAULT_SEED\`): pass, reset after N bytes,
stall (send nothing; cut by the \`timeout\` input, 2 s here), end early but cleanly, flip a byte, or answer 500, or 503/429
with Retry-After.

| container | scenario | runs | faults injected | expected outcome | runs with that outcome | bytes sent to the client / payload, median | wheels lost | files left broken in path | seconds, median |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

"Bytes sent" counts everything the proxy delivered to wheel-guard (sidecars, listings, retried and resumed transfers) over
the wheels' own bytes; with ranged resume the target is under 1.3× at 30% faults. "Wheels lost" counts wheels missing from
\`path\` after a run that should have collected them all; "files left broken" counts files in \`path\` that are not
byte-identical to the wheel of that name. Both must be 0.

Where the ratio goes past 1.3: a broken-off or stalled transfer resumes from the bytes already on disk and costs almost
nothing, but a flipped byte is only found when the whole wheel has been hashed, and the only remedy is to fetch that wheel
again from the start (the sidecar holds one digest for the whole file, so there is nothing finer to resume against). A run
in which a flip hits the largest wheel (4 MB of ${fmt(payload / 1e6, 1)} MB) moves about 1.4× the payload; the persistent-
corruption scenario, which flips every download of one 2 MB wheel three times, is at that figure by construction.
Request order varies with concurrency, so a seed fixes the sequence of fates, not which request meets which fate.
`;
writeFileSync('docs/reliability.md', text);
console.log(text);
