/**
 * BENCHMARKS.md from one run's results: the machine and tool versions, each
 * table, the targets of issue 7 with a verdict computed from the figures,
 * and, for each target missed, what the same run's figures say about why.
 */
import { bytes, ratio, secs } from './lib.mjs';

const MB = 1e6;
/** The memory target: peak RSS under 150 MB (decimal, as written in the issue). */
const RSS_LIMIT = 150 * MB;

const find = (list, id) => list?.find((variant) => variant.id === id);
const wall = (variant) => variant?.wall.median;
const over = (a, b) => (a === undefined || b === undefined ? undefined : a / b);
const mb = (value) => (value === undefined || Number.isNaN(value) ? 'n/a' : `${(value / MB).toFixed(0)} MB`);
const rate = (size, seconds) => (seconds ? `${(size / MB / seconds).toFixed(0)}` : 'n/a');
const spread = (variant) => `${secs(variant.wall.min)}–${secs(variant.wall.max)}`;
const ms = (seconds) => `${(seconds * 1000).toFixed(seconds < 0.1 ? 1 : 0)} ms`;
const code = (text) => `\`${text.replace(/`/g, "'")}\``;
const verdict = (ok) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**');

/** A Markdown table; columns after the first are right-aligned unless `left`. */
function table(headers, rows, { left = false } = {}) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map((_, i) => (i === 0 || left ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** Mean and max, over a list of samples, of the cores other processes kept busy. */
function othersLoad(samples) {
  const loads = samples.filter((s) => s.others !== undefined).map((s) => s.others / s.wall);
  if (loads.length === 0) return undefined;
  return { mean: loads.reduce((a, b) => a + b, 0) / loads.length, max: Math.max(...loads) };
}

function loadNote(variants) {
  const load = othersLoad(variants.flatMap((variant) => variant.samples));
  if (!load) return '';
  return `Other processes on the machine kept ${load.mean.toFixed(2)} cores busy on average during these runs (at most ${load.max.toFixed(2)} in one run).`;
}

/** The block scripts/real-wheels/run.py writes into BENCHMARKS.md, between these markers; kept across renders. */
export const REAL_WHEELS_BEGIN = '<!-- real-wheels: written by scripts/real-wheels/run.py -->';
export const REAL_WHEELS_END = '<!-- /real-wheels -->';

/** The real-wheels block of an earlier report (`previous`), or a pointer when there is none. */
export function realWheelsBlock(previous = '') {
  const start = previous.indexOf(REAL_WHEELS_BEGIN);
  const end = previous.indexOf(REAL_WHEELS_END, start);
  if (start >= 0 && end > start) return previous.slice(start, end + REAL_WHEELS_END.length);
  return `${REAL_WHEELS_BEGIN}\n## The content check on real wheels\n\nNot measured yet: \`npm run real-wheels\` writes this section (and docs/real-wheels.md).\n${REAL_WHEELS_END}`;
}

export function renderReport(r, previous = '') {
  const { cores } = r;
  const setOf = (id) => r.sets.find((set) => set.id === id);
  const big = r.sets.reduce((a, b) => (b.size > a.size ? b : a));
  const multi = r.sets.filter((set) => set.count > 1);
  const throughputSet = multi.reduce((a, b) => (b.bytes > a.bytes ? b : a), multi[0]);
  const startup = r.startup;
  const everyRun = [
    startup,
    r.big.result,
    ...Object.values(r.hashed),
    ...Object.values(r.s3),
    ...Object.values(r.local),
    ...Object.values(r.scaled),
    ...Object.values(r.http ?? {}),
  ].flat();
  const allLoad = othersLoad(everyRun.flatMap((variant) => variant.samples));
  const out = [];
  /** Blocks (paragraphs, tables, pre-joined lists), a blank line after each. */
  const p = (...blocks) => out.push(...blocks.filter((block) => block !== '').flatMap((block) => [block, '']));
  const list = (items) => items.map((item) => `- ${item}`).join('\n');

  // ------------------------------------------------------------ verdicts
  const targets = [];
  const why = [];

  const S = wall(startup);
  const S0 = wall(startup.node);
  const bundle = r.bundleSize ? `${bytes(r.bundleSize)} ` : '';
  const startupText = `a fixed start-up of ${secs(S)} s (${code('wheel-guard --version')}: Node starting, ${secs(S0)} s bare, and parsing the ${bundle}it loads at start: the entry bundle and the chunks it imports statically)`;
  /** CPU seconds per byte of bare Node hashing (the big wheel's line), undefined if not measured. */
  const bareHashCpuPerByte = () => {
    const bare = find(r.hashed[big.id], 'node-64k');
    return bare ? bare.cpu.median / big.bytes : undefined;
  };
  /** "net of start-up": only when the start-up is not most of the time (else noise makes it meaningless). */
  const net = (total) => (total - S > 0.3 * total ? total - S : undefined);

  // 1. Hashing within 10% of openssl per core: one big file, one core each.
  {
    const h = r.hashed[big.id];
    const wg = find(h, 'wg');
    const ossl = find(h, 'openssl');
    const bare = find(h, 'node-64k');
    const q = over(wall(wg), wall(ossl));
    const ok = q === undefined ? undefined : q <= 1.1;
    targets.push([
      `Hashing within 10% of ${code('openssl dgst -sha256')} per core (one ${bytes(big.size)} wheel: one core each)`,
      `${secs(wall(wg))} s vs ${secs(wall(ossl))} s: ${ratio(q)}`,
      verdict(ok),
    ]);
    if (ok === false) {
      const parts = [`**Hashing per core** (${ratio(q)} of openssl on the ${bytes(big.size)} wheel): every wheel-guard run pays ${startupText}.`];
      const n = net(wall(wg));
      parts.push(
        n === undefined
          ? `That is most of its ${secs(wall(wg))} s.`
          : `Net of it wheel-guard hashes at ${rate(big.bytes, n)} MB/s against openssl's ${rate(big.bytes, wall(ossl))} MB/s (${ratio(over(n, wall(ossl)))}).`,
      );
      if (bare) {
        const b = over(wall(bare), wall(ossl));
        parts.push(
          `Bare Node hashing the same file with nothing of wheel-guard loaded (64 KiB reads, as ${code('fs.createReadStream')} does) takes ${secs(wall(bare))} s, ${ratio(b)} of openssl: ` +
            (b > 1.1
              ? `Node's sha256 (${r.versions.wgNode}, its OpenSSL ${r.versions.nodeOpenssl}) is itself slower than the openssl binary on this CPU${r.machine.shaExtensions ? '' : ' (no SHA extensions)'}, so no Node program meets this target here.`
              : `Node itself hashes at openssl's pace.`) +
            (wall(wg) <= wall(bare)
              ? ` wheel-guard took ${secs(wall(bare) - wall(wg))} s less than bare Node: within this machine's noise, its bundle loading (${secs(S - S0)} s) included.`
              : ` wheel-guard's ${secs(wall(wg) - wall(bare))} s more than bare Node ${wall(wg) - wall(bare) <= S - S0 + 0.1 * wall(wg) ? 'is about its bundle loading' : `is more than its bundle loading (${secs(S - S0)} s)`}.`),
        );
      }
      const load = othersLoad([...wg.samples, ...ossl.samples]);
      if (wg.wall.min <= ossl.wall.max) {
        parts.push(
          `The spreads overlap (wheel-guard ${spread(wg)} s, openssl ${spread(ossl)} s${load ? `, with other processes keeping ${load.mean.toFixed(2)} cores busy meanwhile` : ''}): part of the gap may be this machine's noise.`,
        );
      }
      why.push(parts.join(' '));
    }
  }

  // 2. Using every core across files.
  for (const set of multi) {
    const h = r.hashed[set.id];
    const wg = find(h, 'wg');
    const wgCores = find(h, 'wg-cores');
    const contents = find(h, 'wg-contents');
    const par = find(h, 'openssl-par');
    const q = over(wall(wg), wall(par));
    const busy = wg ? wg.cpu.median / wg.wall.median : undefined;
    const ok = q === undefined ? undefined : q <= 1.1;
    targets.push([
      `Hashing uses every core across files: ${set.count} × ${bytes(set.size)} against ${code('openssl dgst -sha256')} on ${cores} processes`,
      `${secs(wall(wg))} s vs ${secs(wall(par))} s: ${ratio(q)}; wheel-guard kept ${busy?.toFixed(2)} of ${cores} cores busy`,
      verdict(ok),
    ]);
    if (ok === false) {
      const parts = [`**Hashing ${set.count} × ${bytes(set.size)}** (${ratio(q)} of ${cores} openssl processes):`];
      const n = net(wall(wg));
      parts.push(
        n === undefined
          ? `${startupText} is most of wheel-guard's ${secs(wall(wg))} s: for small files the fixed cost dominates, whatever the hashing.`
          : `${startupText} is ${((S / wall(wg)) * 100).toFixed(0)}% of wheel-guard's ${secs(wall(wg))} s; net of it, ${ratio(over(n, wall(par)))}.`,
      );
      const parBusy = par.cpu.median / par.wall.median;
      if (busy < 0.65 * cores && n !== undefined) {
        parts.push(
          `wheel-guard kept ${busy.toFixed(2)} of ${cores} cores busy (openssl ${parBusy.toFixed(2)}), so its hashing ran on about ${Math.max(1, Math.round(busy))} core: ` +
            `the concurrency overlaps the files' reads, not their hashing` +
            (wgCores ? `, and ${code(`--concurrency ${cores}`)} changes nothing (${secs(wall(wgCores))} s)` : '') +
            '.',
        );
      }
      if (contents) {
        parts.push(`The default, with the content check, took ${secs(wall(contents))} s with ${(contents.cpu.median / wall(contents)).toFixed(2)} cores busy.`);
      }
      why.push(parts.join(' '));
    }
  }

  // 3 and 4. Collect against the plain download, and against download then sha256sum -c.
  for (const set of r.sets) {
    const c = r.s3[set.id];
    const wg = find(c, 'wg');
    const aws = find(c, 'aws');
    const check = find(c, 'aws-check');
    const q1 = over(wall(wg), wall(aws));
    const q2 = over(wall(wg), wall(check));
    targets.push([
      `Collect from S3 no slower than 1.1× ${code('aws s3 cp --recursive')} alone: ${set.count} × ${bytes(set.size)}`,
      `${secs(wall(wg))} s vs ${secs(wall(aws))} s: ${ratio(q1)}`,
      verdict(q1 === undefined ? undefined : q1 <= 1.1),
    ]);
    targets.push([
      `Collect from S3 faster than ${code('aws s3 cp --recursive')} then ${code('sha256sum -c')}: ${set.count} × ${bytes(set.size)}`,
      `${secs(wall(wg))} s vs ${secs(wall(check))} s: ${ratio(q2)}`,
      verdict(q2 === undefined ? undefined : q2 < 1),
    ]);
    if ((q1 !== undefined && q1 > 1.1) || (q2 !== undefined && q2 >= 1)) {
      const fast = find(c, 'wg-nocheck');
      const rclone = find(c, 'rclone');
      const parts = [`**Collect ${set.count} × ${bytes(set.size)} from S3** (${ratio(q1)} of the plain download, ${ratio(q2)} of download then ${code('sha256sum -c')}):`];
      if (fast) {
        const extra = wall(wg) - wall(fast);
        parts.push(
          `with ${code('--check-contents false')} collect takes ${secs(wall(fast))} s (${ratio(over(wall(fast), wall(aws)))} of the plain download, ${ratio(over(wall(fast), wall(check)))} of download then check)` +
            (extra > 0.1 * wall(wg)
              ? `, so the content check adds ${secs(extra)} s and ${secs(wg.cpu.median - fast.cpu.median)} CPU seconds: it is not hidden behind the transfer.`
              : `, so the content check costs little here (${secs(extra)} s).`),
        );
      }
      const load = othersLoad(c.flatMap((variant) => variant.samples));
      const nodeRate = bareHashCpuPerByte();
      const busy = wg.cpu.median / wall(wg);
      if (busy < 1.3 && busy > 0.8) {
        parts.push(
          `wheel-guard kept ${busy.toFixed(2)} cores busy for ${secs(wall(wg))} s and used ${secs(wg.cpu.median)} CPU seconds: it is bound by one core, its wall time about its CPU time, while the AWS CLI used ${secs(aws?.cpu.median)} CPU seconds${rclone ? ` and rclone ${secs(rclone.cpu.median)}` : ''}.`,
        );
      } else {
        parts.push(`wheel-guard used ${secs(wg.cpu.median)} CPU seconds (${busy.toFixed(2)} cores busy), the AWS CLI ${secs(aws?.cpu.median)}${rclone ? `, rclone ${secs(rclone.cpu.median)}` : ''}.`);
      }
      parts.push(
        (nodeRate
          ? `Hashing ${bytes(set.bytes)} costs Node about ${secs(nodeRate * set.bytes)} CPU seconds (bare Node's rate on the ${bytes(big.size)} wheel); the rest of wheel-guard's is the S3 client, ${fast ? 'the content check, ' : `the content check (measured alone on the ${bytes(big.size)} wheel), `}bookkeeping and the start-up of ${secs(S)} s. `
          : '') +
          `On ${cores} cores, the client shares the CPU with s3rver (${secs(wg.server.median)} s serving wheel-guard, ${secs(aws?.server.median)} s serving the AWS CLI)` +
          (load ? ` and with other processes (${load.mean.toFixed(2)} cores on average during these runs)` : '') +
          ': the CPU a client spends is time it waits.',
      );
      if (rclone && wall(rclone) < wall(aws)) parts.push(`rclone copy was the fastest plain download (${secs(wall(rclone))} s).`);
      why.push(parts.join(' '));
    }
  }

  /** How a command's peak RSS grows with the number of (small) wheels, from section 5. */
  const scaleRss = (id) => {
    const points = r.scale.counts.map((n) => [n, find(r.scaled[n], id)?.rss.max]).filter(([, v]) => v !== undefined);
    if (points.length < 2) return '';
    if (points[points.length - 1][1] < 1.2 * points[0][1]) return '';
    return ` It also grows with the number of wheels: ${points.map(([n, v]) => `${mb(v)} at ${n.toLocaleString('en')}`).join(', ')} wheels of ${bytes(r.scale.size)} (section 5).`;
  };

  // 5. Peak memory on the biggest wheel.
  const rssRows = [];
  {
    const pb = r.big.result;
    const pbS3 = r.populated.find((run) => run.set === big.id && run.target === 's3');
    const c = r.s3[big.id];
    const l = r.local[big.id];
    const h = r.hashed[big.id];
    const maxRss = (variant) => variant && variant.rss.max;
    const entries = [
      ['wheel-guard post-build → directory', pb.samples.length, pb.rss.median, maxRss(pb), 'post-build'],
      ['wheel-guard post-build → S3 (the run that filled the bucket)', 1, pbS3?.sample.rss, pbS3?.sample.rss, 'post-build'],
      ['wheel-guard collect ← S3 (default)', find(c, 'wg')?.samples.length, find(c, 'wg')?.rss.median, maxRss(find(c, 'wg')), 'collect'],
      ['wheel-guard collect ← S3, --check-contents false', find(c, 'wg-nocheck')?.samples.length, find(c, 'wg-nocheck')?.rss.median, maxRss(find(c, 'wg-nocheck')), 'collect'],
      ['wheel-guard collect ← directory (default)', find(l, 'wg')?.samples.length, find(l, 'wg')?.rss.median, maxRss(find(l, 'wg')), 'collect'],
      ...(r.http
        ? [['wheel-guard collect ← web address (nginx, default)', find(r.http[big.id], 'wg')?.samples.length, find(r.http[big.id], 'wg')?.rss.median, maxRss(find(r.http[big.id], 'wg')), 'collect']]
        : []),
      ['wheel-guard verify, hash only', find(h, 'wg')?.samples.length, find(h, 'wg')?.rss.median, maxRss(find(h, 'wg'))],
      ['wheel-guard verify, hash + contents (default)', find(h, 'wg-contents')?.samples.length, find(h, 'wg-contents')?.rss.median, maxRss(find(h, 'wg-contents'))],
      ['wheel-guard --version (start-up only, no wheel)', startup.samples.length, startup.rss.median, startup.rss.max],
      ['aws s3 cp --recursive', find(c, 'aws')?.samples.length, find(c, 'aws')?.rss.median, maxRss(find(c, 'aws'))],
      ['rclone copy', find(c, 'rclone')?.samples.length, find(c, 'rclone')?.rss.median, maxRss(find(c, 'rclone'))],
      ['openssl dgst -sha256', find(h, 'openssl')?.samples.length, find(h, 'openssl')?.rss.median, maxRss(find(h, 'openssl'))],
    ];
    for (const [label, n, med, max, role] of entries) {
      if (med === undefined) continue;
      rssRows.push([label, String(n), mb(med), mb(max), role ? (max < RSS_LIMIT ? 'yes' : '**no**') : '']);
    }
    for (const role of ['post-build', 'collect']) {
      const mine = entries.filter((entry) => entry[4] === role && entry[3] !== undefined);
      const worst = mine.reduce((a, b) => (b[3] > a[3] ? b : a));
      const ok = mine.every((entry) => entry[3] < RSS_LIMIT);
      targets.push([`Peak RSS of ${role} under 150 MB on the ${bytes(big.size)} wheel`, `at most ${mb(worst[3])} (${worst[0].replace('wheel-guard ', '')})`, verdict(ok)]);
      if (!ok) {
        const over150 = mine.filter((entry) => entry[3] >= RSS_LIMIT).map((entry) => `${entry[0].replace('wheel-guard ', '')} ${mb(entry[3])}`);
        why.push(
          `**Peak RSS of ${role}** (${over150.join('; ')}): wheel-guard doing nothing (${code('--version')}) already holds ${mb(startup.rss.median)} ` +
            `(bare Node: ${mb(startup.node.rss.median)}): the ${bundle}every command parses (the entry bundle and its static chunks; the AWS SDK and @actions/artifact load only for their containers). ` +
            `The ${bytes(big.size)} wheel adds ${mb(worst[3] - startup.rss.median)} on top at the worst: ` +
            `the hash-only verify peaks at ${mb(find(h, 'wg')?.rss.max)}, with the content check at ${mb(find(h, 'wg-contents')?.rss.max)}.` +
            scaleRss(role === 'post-build' ? 'post-build' : 'collect'),
        );
      }
    }
  }

  // 6. Time per wheel, 10 → 1,000.
  const counts = r.scale.counts;
  const perWheel = (n, id) => wall(find(r.scaled[n], id)) / n;
  for (const [id, label] of [
    ['post-build', 'post-build → S3'],
    ['collect', 'collect ← S3'],
    ['verify', 'verify'],
  ]) {
    const steps = counts.slice(1).map((n, i) => over(perWheel(n, id), perWheel(counts[i], id)));
    const worst = Math.max(...steps);
    const ok = worst <= 1.1;
    const first = counts[0];
    const last = counts[counts.length - 1];
    targets.push([
      `Time per wheel flat from ${first} to ${last.toLocaleString('en')} wheels: ${label}`,
      `${counts.map((n) => ms(perWheel(n, id))).join(' → ')} per wheel`,
      `${verdict(ok)}${ok && perWheel(first, id) > 1.1 * perWheel(last, id) ? ' (falls: no growth)' : ''}`,
    ]);
    if (!ok) {
      const grow = counts.slice(1).map((n, i) => `${counts[i]} → ${n}: ${ratio(steps[i])}`).join(', ');
      why.push(
        `**Time per wheel, ${label}** grows (${grow}). Net of the fixed start-up of ${secs(wall(startup))} s: ` +
          `${counts.map((n) => ms((wall(find(r.scaled[n], id)) - wall(startup)) / n)).join(' → ')} per wheel.`,
      );
    }
  }

  // ------------------------------------------------------------ the document
  const mode = r.quick
    ? `**quick smoke run** (${code('BENCH_QUICK=1')}: small sets, ${r.reps} repetition${r.reps > 1 ? 's' : ''}); the figures are not the full benchmark`
    : `full run, ${r.reps} repetitions of each measurement (parking the sets: one run each)`;
  p(
    '# Benchmarks',
    `Generated by ${code(r.command)} (${code('scripts/bench.mjs')}) on ${r.date.slice(0, 16).replace('T', ' ')} UTC: ${mode}. ` +
      `The whole run took ${(r.seconds / 60).toFixed(1)} minutes. Every figure below comes from that one run; nothing is edited by hand.`,
  );
  p(
    '**How to read it.** Each measurement ran side by side with its comparisons in the same run, repeated and interleaved (the order rotates each repetition). ' +
      'Times are the median wall-clock seconds, with the spread (min–max) of the repetitions. A ratio is wheel-guard\'s median over the other tool\'s ' +
      '(below 1× wheel-guard is faster). MB and MB/s are decimal (10⁶ bytes); the data sizes are binary (KiB, MiB, GiB). CPU seconds (user + system) and peak RSS come from GNU time. ' +
      'All the data fits in RAM and was just written, so the page cache is warm for every tool alike: these are CPU and protocol costs, not disk speed. ' +
      `s3rver (the S3 server) runs inside the bench process on the same ${cores} cores as the client it serves, over loopback.`,
  );

  p('## Targets', table(['target (issue 7)', 'measured', 'verdict'], targets, { left: true }));
  if (why.length > 0) p('### Where a target is missed, and why', 'Each explanation rests on figures of this same run (the tables below).', list(why));

  p(
    '## Machine and tools',
    table(
      ['', ''],
      [
        ['CPU', `${r.machine.cpu}${r.machine.hypervisor ? ` (${r.machine.hypervisor} guest)` : ''}, ${cores} cores; SHA extensions: ${r.machine.shaExtensions ? 'yes' : 'no'}`],
        ['memory', bytes(r.machine.memory)],
        ['OS', `${r.machine.os}; ${r.machine.kernel}`],
        ['data disk', r.machine.disk],
        ['load from other processes', `${r.load}; during the measured runs other processes kept ${allLoad ? `${allLoad.mean.toFixed(2)} cores busy on average (at most ${allLoad.max.toFixed(2)})` : 'n/a'}`],
        ['wheel-guard', r.versions.wheelGuard],
        ['Node running wheel-guard', `${r.versions.wgNode} (OpenSSL ${r.versions.nodeOpenssl})${r.versions.wgNode === r.versions.benchNode ? '; the bench and s3rver run on it too' : `; the bench and s3rver on ${r.versions.benchNode}`}`],
        ['sha256sum', r.versions.sha256sum],
        ['cp', r.versions.coreutils],
        ['openssl', r.versions.openssl],
        ['AWS CLI', r.versions.aws],
        ['rclone', r.versions.rclone],
        ...(r.versions.curl ? [['curl', r.versions.curl]] : []),
        ...(r.versions.nginx ? [['nginx (the web server of section 6)', r.versions.nginx]] : []),
        ['s3rver', r.versions.s3rver],
        ['Python (makes the wheels)', r.versions.python],
        ['GNU time', r.versions.time],
      ],
      { left: true },
    ),
  );
  if (r.notes.length > 0) p('Notes:', list(r.notes));

  p(
    '## Data',
    'Valid wheels made by `__tests__/helpers/make-wheel.py` (through `scripts/bench/make-wheels.py`, one Python per core): a package with one stored payload of random bytes, METADATA, WHEEL and a RECORD hashing every member. Each set is parked once with wheel-guard post-build in the s3rver bucket (`s3://bench/<set>`) with `--local-sidecars`, so the wheels\' own directory (`.bench/wheels/<set>`, each wheel with its `.sha256` sidecar) is the directory container that verify and the local collect read.',
    table(
      ['set', 'wheels', 'payload each', 'on disk'],
      [
        ...r.sets.map((set) => [`${set.id}: ${set.title}`, set.count.toLocaleString('en'), bytes(set.size), bytes(set.bytes)]),
        [`scaling`, counts.map((n) => n.toLocaleString('en')).join(', '), bytes(r.scale.size), `the first N of ${Math.max(...counts).toLocaleString('en')} (hard links)`],
      ],
    ),
  );

  // Hashing
  p(
    '## 1. Hashing',
    `${code('wheel-guard verify DIR')} hashes each wheel against its sidecar the way post-build hashes it (the same code), without the copy or upload, so it isolates post-build's hashing. ` +
      `Hash only is ${code('--check-contents false')}; the default also checks each wheel against its RECORD (shown as an extra line). wheel-guard's default concurrency is 4; ` +
      `${cores} processes of sha256sum or openssl (${code('xargs -P')}) is the fair per-core comparison across files. ` +
      `Every wheel-guard line includes the fixed start-up: ${secs(wall(startup))} s median (${secs(startup.wall.min)}–${secs(startup.wall.max)}) for ${code(`${'node dist/cli/index.js'} --version`)}.`,
  );
  for (const set of r.sets) {
    const h = r.hashed[set.id];
    const ossl = find(h, 'openssl');
    const par = find(h, 'openssl-par');
    p(
      `### ${set.count} × ${bytes(set.size)} (${set.id}, ${bytes(set.bytes)})`,
      table(
        ['tool', 'median s', 'min–max s', 'MB/s', 'CPU s', 'cores busy', 'vs openssl, 1 process', `vs openssl, ${cores} processes`],
        h.map((v) => [
          v.label,
          secs(wall(v)),
          spread(v),
          rate(set.bytes, wall(v)),
          secs(v.cpu.median),
          (v.cpu.median / wall(v)).toFixed(2),
          ratio(over(wall(v), wall(ossl))),
          par ? ratio(over(wall(v), wall(par))) : 'n/a (one file)',
        ]),
      ),
      loadNote(h),
    );
  }
  p('Commands (the plain tools run in the directory holding the wheels):', list(r.sets.flatMap((set) => r.hashed[set.id]).filter((v, i, all) => all.findIndex((w) => w.id === v.id) === i).map((v) => `${v.label}: ${code(v.shown)}`)));

  // Collect from S3
  p(
    '## 2. Collect from S3 (s3rver)',
    `Each tool downloads the whole set into a fresh directory. wheel-guard collect reads each sidecar, downloads the wheel while hashing it, checks it (by default also against its RECORD) and only then moves it into place. ` +
      `The AWS CLI and rclone run with their defaults (aws: 10 concurrent requests, multipart above 8 MB; rclone: 4 transfers); wheel-guard with its default concurrency of 4. ` +
      `rclone checks the MD5 ETag of single-part objects on its own; the AWS CLI checks nothing unless followed by ${code('sha256sum -c')} over the sidecars it downloaded too. ` +
      `"s3rver CPU" is what the server spent answering that client.`,
  );
  for (const set of r.sets) {
    const c = r.s3[set.id];
    const aws = find(c, 'aws');
    const check = find(c, 'aws-check');
    const rclone = find(c, 'rclone');
    p(
      `### ${set.count} × ${bytes(set.size)} (${set.id})`,
      table(
        ['tool', 'median s', 'min–max s', 'MB/s', 'peak RSS', 's3rver CPU s', 'vs aws s3 cp', 'vs aws s3 cp + sha256sum -c', 'vs rclone copy'],
        c.map((v) => [
          v.label,
          secs(wall(v)),
          spread(v),
          rate(set.bytes, wall(v)),
          mb(v.rss.median),
          secs(v.server.median),
          ratio(over(wall(v), wall(aws))),
          ratio(over(wall(v), wall(check))),
          ratio(over(wall(v), wall(rclone))),
        ]),
      ),
      loadNote(c),
    );
  }
  p(
    'Commands ($URL is the s3rver endpoint; credentials S3RVER/S3RVER, region us-east-1, path-style; rclone through `RCLONE_S3_PROVIDER=Other RCLONE_S3_ENDPOINT=$URL RCLONE_S3_ACCESS_KEY_ID=S3RVER RCLONE_S3_SECRET_ACCESS_KEY=S3RVER RCLONE_S3_FORCE_PATH_STYLE=true`, AWS_CA_BUNDLE unset):',
    list(r.s3[r.sets[0].id].map((v) => `${v.label}: ${code(v.shown)}`)),
  );

  // Collect from a directory
  p(
    '## 3. Collect from a directory',
    'The container is a local directory (a shared disk; here the wheels\' own directory with their sidecars): wheel-guard collect against copying the files and checking them with `sha256sum -c`, and against `cp` alone.',
  );
  for (const set of r.sets) {
    const l = r.local[set.id];
    const check = find(l, 'cp-check');
    const cp = find(l, 'cp');
    p(
      `### ${set.count} × ${bytes(set.size)} (${set.id})`,
      table(
        ['tool', 'median s', 'min–max s', 'MB/s', 'peak RSS', 'vs cp + sha256sum -c', 'vs cp alone'],
        l.map((v) => [v.label, secs(wall(v)), spread(v), rate(set.bytes, wall(v)), mb(v.rss.median), ratio(over(wall(v), wall(check))), ratio(over(wall(v), wall(cp)))]),
      ),
      loadNote(l),
    );
  }
  p('Commands:', list(r.local[r.sets[0].id].map((v) => `${v.label}: ${code(v.shown)}`)));

  // Memory
  p(
    `## 4. Peak memory (RSS) on the ${bytes(big.size)} wheel`,
    `Maximum resident set size from GNU time, median and maximum over the runs. The target (under 150 MB) applies to post-build and collect; the other lines are for comparison.`,
    table(['run', 'runs', 'median', 'max', 'under 150 MB'], rssRows),
    `post-build → directory: ${code(r.big.result.shown)}.`,
  );

  // Scaling
  const scaleIds = [
    ['post-build', 'post-build → S3'],
    ['collect', 'collect ← S3'],
    ['verify', 'verify'],
  ];
  const scaleRows = counts.map((n) => [
    n.toLocaleString('en'),
    ...scaleIds.flatMap(([id]) => {
      const v = find(r.scaled[n], id);
      return v ? [secs(wall(v)), ms(wall(v) / n), mb(v.rss.max)] : ['n/a', 'n/a', 'n/a'];
    }),
  ]);
  p(
    '## 5. Time per wheel at 10, 100 and 1,000 wheels',
    `${bytes(r.scale.size)} wheels: median total seconds, time per wheel, and the largest peak RSS of the runs. post-build uploads to a fresh S3 prefix each repetition; collect reads the first repetition's prefix; verify checks the wheels against the SHA256SUMS post-build wrote. ` +
      `The fixed start-up of every wheel-guard run (${secs(S)} s) is inside each total: per wheel it weighs ${ms(S / counts[0])} at ${counts[0]} wheels and ${ms(S / counts[counts.length - 1])} at ${counts[counts.length - 1].toLocaleString('en')}.`,
    table(['wheels', ...scaleIds.flatMap(([, label]) => [`${label} s`, 'per wheel', 'peak RSS'])], scaleRows),
    loadNote(counts.flatMap((n) => r.scaled[n])),
    'Commands:',
    list(r.scaled[counts[0]].map((v) => `${v.label}: ${code(v.shown)}`)),
  );

  // Collect from a web address
  p(
    '## 6. Collect from a web address (nginx)',
    'The container is a web address: Debian\'s nginx on 127.0.0.1 lists each set\'s directory (autoindex; the wheels with the sidecars post-build wrote beside them) over plain http on loopback, so these are the costs of the client, not of TLS or a network. ' +
      'wheel-guard collect reads the listing, each sidecar, then downloads each wheel while hashing it and checks it (by default also against its RECORD) before moving it into place. ' +
      `curl downloads the same wheels and sidecars, 4 at once (wheel-guard's default concurrency), checking nothing; followed by ${code('sha256sum -c')} over the sidecars it is the check done by hand. ` +
      'rclone\'s http backend reads the same directory listing and copies every file in it with its defaults (4 transfers); it checks sizes only. ' +
      '"nginx CPU s" is what the server\'s processes spent serving that client (from /proc), left out of the other processes\' load.',
  );
  if (!r.http) {
    p('Not measured in this run (nginx was not installed, or the figures come from a run before this section existed).');
  } else {
    for (const set of r.sets) {
      const c = r.http[set.id];
      if (!c) continue;
      const curl = find(c, 'curl');
      const check = find(c, 'curl-check');
      const rclone = find(c, 'rclone');
      const wgv = find(c, 'wg');
      p(
        `### ${set.count} × ${bytes(set.size)} (${set.id})`,
        table(
          ['tool', 'median s', 'min–max s', 'MB/s', 'CPU s', 'peak RSS', 'nginx CPU s', 'vs curl', 'vs curl + sha256sum -c', 'vs rclone copy'],
          c.map((v) => [
            v.label,
            secs(wall(v)),
            spread(v),
            rate(set.bytes, wall(v)),
            secs(v.cpu.median),
            mb(v.rss.median),
            v.server ? secs(v.server.median) : 'n/a',
            ratio(over(wall(v), wall(curl))),
            ratio(over(wall(v), wall(check))),
            ratio(over(wall(v), wall(rclone))),
          ]),
        ),
        [
          wgv && curl
            ? `wheel-guard spent ${secs(wgv.cpu.median)} CPU seconds (${(wgv.cpu.median / wgv.wall.median).toFixed(2)} cores busy) where curl spent ${secs(curl.cpu.median)}` +
              (check ? ` and curl with ${code('sha256sum -c')} ${secs(check.cpu.median)}` : '') +
              (rclone ? `, rclone ${secs(rclone.cpu.median)}` : '') +
              '.'
            : '',
          loadNote(c),
        ]
          .filter((text) => text !== '')
          .join(' '),
      );
    }
    const first = r.http[r.sets[0].id];
    if (first) p('Commands ($PORT is nginx\'s; AWS_CA_BUNDLE unset for rclone):', list(first.map((v) => `${v.label}: ${code(v.shown)}`)));
  }

  // Populating
  p(
    '## Parking the sets (one run each, for reference)',
    'post-build of every set into the bucket, as the bench filled it: hash and content check, upload, read back, local sidecar. Single runs, not repeated.',
    table(
      ['set', 'into', 'seconds', 'MB/s', 'peak RSS'],
      r.populated.map((run) => {
        const set = setOf(run.set);
        return [`${set.count} × ${bytes(set.size)} (${set.id})`, run.target === 's3' ? 'S3 (s3rver)' : 'directory', secs(run.sample.wall), rate(set.bytes, run.sample.wall), mb(run.sample.rss)];
      }),
    ),
  );

  p(
    '## The run',
    `Seconds per part of this run (${(r.seconds / 60).toFixed(1)} minutes in all). Before each sample the bench waits (up to 3 s) for a quiet moment, and a sample during which other processes kept more than half a core busy is taken again once and the quieter of the two kept, within a budget of ${r.quiet.budget} s for the whole run: ` +
      `this run waited ${r.quiet.waits} time${r.quiet.waits === 1 ? '' : 's'} and took ${r.quiet.retakes} sample${r.quiet.retakes === 1 ? '' : 's'} again (${secs(r.quiet.spent)} s of the budget). The load that remained is given under each table.`,
    table(['part', 'seconds'], r.timings.map(([part, seconds]) => [part, secs(seconds)])),
  );

  p(realWheelsBlock(previous));

  p(
    '## Reproduce',
    'On a clean clone, after the README\'s set-up (`npm ci`):',
    '```sh\nnpm run bench                  # the full run: the sets of issue 7, 3 repetitions\nBENCH_QUICK=1 npm run bench    # a smoke run: 6 × 20 MiB, 1 × 200 MiB, 50 × 200 KiB, 10 and 100 wheels, 1 repetition\n```',
    'It needs python3, GNU time (`/usr/bin/time`), openssl, and for the comparisons the AWS CLI, rclone, curl and nginx (section 6); as root with apt-get it installs `time`, `awscli`, `rclone` and `curl` when missing (nginx comes from `bash .ci/run`, which keeps its service from starting), otherwise it leaves out what is missing and says so above. ' +
      'Data goes to `.bench/` (about 2.5 GiB of wheels, as much again in the bucket, and up to 1.2 GiB of downloads at a time) and is removed at the end (`BENCH_KEEP=1` keeps it), all but `.bench/results.json`: the raw figures of every sample, from which `node scripts/bench.mjs --render` rewrites this report without measuring anything. ' +
      '`BENCH_REPS=N` changes the repetitions, `WG_NODE=/path/to/node` the Node that runs wheel-guard (default: the Node running the bench, which under `npm run bench` is the `node` devDependency, the action\'s Node 24).',
  );
  return out.join('\n');
}
