/**
 * BENCHMARKS.md from one run's results: the machine and tool versions, each
 * table, the targets of issue 13 (and those of issue 7 still standing) with a
 * verdict computed from the figures, and, for each target missed, by how much
 * and what the same run's figures say about why.
 */
import { bytes, ratio, secs } from './lib.mjs';

const MB = 1e6;
/** The memory target: peak RSS at most 150 MB (decimal, as written in the issue). */
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
/** A Markdown bullet list. */
const list = (items) => items.map((item) => `- ${item}`).join('\n');

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

/** The Azure section's title (section 7 of the report). */
const AZURE_TITLE = '## 7. Collect from Azure Blob Storage (Azurite)';

/**
 * The Azure section's blocks (paragraphs and tables): collect from Azurite
 * against rclone and the bare SDK, or "not measured" for figures from a run
 * without it (before the section existed, or without Azurite installed).
 */
function azureBlocks(r) {
  const blocks = [AZURE_TITLE];
  if (!r.azure?.collect) {
    blocks.push('Not measured in this run (Azurite was not installed, or the figures come from a run before this section existed).');
    return blocks;
  }
  const cores = r.cores;
  const azurite = r.versions?.azurite ? `Azurite ${r.versions.azurite}` : 'Azurite';
  blocks.push(
    `The container is Azure Blob Storage as ${azurite} (Microsoft's emulator, the devDependency) serves it: its blob service in a child process on 127.0.0.1, every blob held in its memory (up to ${r.azure.memoryMiB} MiB), over plain http on loopback. ` +
      `Each set was parked there once by wheel-guard post-build (${code('azure://devstoreaccount1/bench/<set>')}: a wheel up to 8 MiB in one Put Blob, a larger one in 8 MiB blocks, each with its MD5, the whole blob's MD5 stored as its Content-MD5; the sidecar beside it). ` +
      `Each tool downloads the whole set into a fresh directory. wheel-guard collect (signing with the account key) lists the folder, reads each sidecar, downloads the wheel while hashing it, checks it (by default also against its RECORD) and only then moves it into place, 4 at once. ` +
      `rclone copy (its azureblob backend, through a SAS URL for the container, with its defaults: 4 transfers) downloads the wheels and the sidecars and checks each blob's MD5 against the Content-MD5 post-build stored; followed by ${code('sha256sum -c')} over the sidecars it is the sha256 check done by hand. ` +
      `"Bare Node" (${code('scripts/bench/bare-azure.mjs')}) is the floor of any Node client: the same SDK and client settings, each wheel's download hashed and written, 4 at once, and nothing else (no sidecar, check, temporary file or resume).`,
    `**What the ratios mean.** A ratio is wheel-guard's median wall time over that tool's (below 1× wheel-guard is faster). They compare clients against the same server, not what Azure would deliver: ` +
      `Azurite is itself a Node program on the same ${cores} cores, so every byte a client receives Azurite has first taken out of its memory store and sent, in JavaScript, while the client computes. ` +
      `Client and server compete for the CPU: a client's wall time includes waiting for Azurite, and CPU a client spends (hashing, the content check, more requests) is CPU Azurite does not have. ` +
      `"Azurite CPU s" is what Azurite's process spent serving that client (from /proc), left out of the other processes' load below. ` +
      `Azure itself is neither in memory, nor on loopback, nor on these cores: there the network sets the pace, and the client's CPU seconds say more than these wall times.`,
  );
  for (const set of r.sets) {
    const c = r.azure.collect[set.id];
    if (!c) continue;
    const rclone = find(c, 'rclone');
    const check = find(c, 'rclone-check');
    const bare = find(c, 'node-bare');
    const wgv = find(c, 'wg');
    blocks.push(
      `### ${set.count} × ${bytes(set.size)} (${set.id})`,
      table(
        ['tool', 'median s', 'min–max s', 'MB/s', 'CPU s', 'peak RSS', 'Azurite CPU s', 'vs rclone copy', 'vs rclone copy + sha256sum -c', 'vs bare Node'],
        c.map((v) => [
          v.label,
          secs(wall(v)),
          spread(v),
          rate(set.bytes, wall(v)),
          secs(v.cpu.median),
          mb(v.rss.median),
          v.server ? secs(v.server.median) : 'n/a',
          ratio(over(wall(v), wall(rclone))),
          ratio(over(wall(v), wall(check))),
          ratio(over(wall(v), wall(bare))),
        ]),
      ),
      [
        wgv
          ? `wheel-guard spent ${secs(wgv.cpu.median)} CPU seconds (${(wgv.cpu.median / wgv.wall.median).toFixed(2)} cores busy) and Azurite ${secs(wgv.server?.median)} serving it` +
            (rclone ? `; rclone spent ${secs(rclone.cpu.median)} (Azurite ${secs(rclone.server?.median)})` : '') +
            (bare ? `, bare Node ${secs(bare.cpu.median)} (Azurite ${secs(bare.server?.median)})` : '') +
            '.'
          : '',
        loadNote(c),
      ]
        .filter((text) => text !== '')
        .join(' '),
    );
  }
  const first = r.sets.map((set) => r.azure.collect[set.id]).find(Boolean);
  if (first) {
    blocks.push(
      `Commands ($URL is Azurite's origin, http://127.0.0.1:$PORT; account devstoreaccount1 with its published key in AZURE_STORAGE_KEY; $SAS a SAS token for the container made with that key; no rclone config file, AWS_CA_BUNDLE unset for rclone):`,
      list(first.map((v) => `${v.label}: ${code(v.shown)}`)),
    );
  }
  return blocks;
}

/** The Azure section alone, as Markdown (BENCH_ONLY=azure prints it). */
export function renderAzure(r) {
  return azureBlocks(r).join('\n\n');
}

export function renderReport(r, previous = '') {
  const { cores } = r;
  const setOf = (id) => [...r.sets, ...(r.deflated ? [r.deflated] : [])].find((set) => set.id === id);
  const big = r.sets.reduce((a, b) => (b.size > a.size ? b : a));
  const multi = r.sets.filter((set) => set.count > 1);
  const throughputSet = multi.reduce((a, b) => (b.bytes > a.bytes ? b : a), multi[0]);
  const startup = r.startup;
  const everyRun = [
    startup,
    ...(startup.collect ? [startup.collect] : []),
    r.big.result,
    ...Object.values(r.hashed),
    ...Object.values(r.s3),
    ...Object.values(r.local),
    ...Object.values(r.scaled),
    ...Object.values(r.http ?? {}),
    ...Object.values(r.azure?.collect ?? {}),
  ].flat();
  const allLoad = othersLoad(everyRun.flatMap((variant) => variant.samples));
  const out = [];
  /** Blocks (paragraphs, tables, pre-joined lists), a blank line after each. */
  const p = (...blocks) => out.push(...blocks.filter((block) => block !== '').flatMap((block) => [block, '']));

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

  const T13 = 'issue 13';
  /** "adds 0.23 s and 0.18 CPU seconds", or, when the wall time did not grow, says so. */
  const adds = (wallExtra, cpuExtra) =>
    wallExtra > 0.005 ? `adds ${secs(wallExtra)} s and ${secs(cpuExtra)} CPU seconds` : `adds ${secs(cpuExtra)} CPU seconds and no wall time (${secs(wallExtra)} s)`;
  const T7 = 'issue 7 (kept)';
  const cpuOf = (variant) => variant?.cpu.median;
  const busyOf = (variant) => (variant ? variant.cpu.median / variant.wall.median : undefined);
  const small = big.size < 2 ** 30 ? ` (this run's largest; the target names 1 GiB)` : '';
  /** The start-up's share of a wheel-guard time, and the ratio net of it, as a sentence. */
  const startupShare = (total, ref, refName, sentence = false) => {
    const n = net(total);
    const text = sentence ? startupText.replace(/^a/, 'A') : startupText;
    return n === undefined
      ? `${text} is most of wheel-guard's ${secs(total)} s: for small work the fixed cost dominates, whatever the hashing.`
      : `${text} is ${((S / total) * 100).toFixed(0)}% of wheel-guard's ${secs(total)} s; net of it, ${ratio(over(n, ref))} of ${refName}.`;
  };
  /**
   * Where a wheel-guard run's time goes against a reference's: is it the
   * work per byte (its CPU seconds, even spread over every core, already miss
   * `limit`) or the cores left idle?
   */
  const cpuOrCores = (mine, ref, refName, limit) => {
    const floor = cpuOf(mine) / cores;
    const q = over(floor, wall(ref));
    const head = `wheel-guard spent ${secs(cpuOf(mine))} CPU seconds (start-up included; ${busyOf(mine).toFixed(2)} of ${cores} cores busy) where ${refName} spent ${secs(cpuOf(ref))} (${busyOf(ref).toFixed(2)} busy), ${ratio(over(cpuOf(mine), cpuOf(ref)))} its CPU.`;
    return q > limit
      ? `${head} Even spread over all ${cores} cores its CPU would take ${secs(floor)} s, ${ratio(q)} of ${refName}'s wall time: its CPU has to fall (per byte or per file: below), spreading it cannot meet ${limit}×.`
      : `${head} Spread over all ${cores} cores its CPU would take ${secs(floor)} s (${ratio(q)}): the rest of the gap is cores left idle and the start-up.`;
  };
  /**
   * The CPU per byte of a run on the single big wheel (where per-file costs
   * vanish) against openssl's, and what is left per wheel on `set`, as
   * sentences; `id` is the variant ('wg' hash only, 'wg-contents' with the check).
   */
  const perByteAndPerFile = (set, id) => {
    const bigRun = find(r.hashed[big.id], id);
    const ossl = find(r.hashed[big.id], 'openssl');
    const mine = find(r.hashed[set.id], id);
    if (!bigRun || !ossl || !mine) return '';
    const perByte = Math.max(0, cpuOf(bigRun) - cpuOf(startup)) / big.bytes;
    const parts = [
      `On the single ${bytes(big.size)} wheel, where per-file costs vanish, the same run spent ${secs(cpuOf(bigRun))} CPU seconds against openssl's ${secs(cpuOf(ossl))} (${ratio(over(cpuOf(bigRun), cpuOf(ossl)))}; Node's sha256 is ${r.versions.wgNode}'s, OpenSSL ${r.versions.nodeOpenssl}).`,
    ];
    const perFile = (cpuOf(mine) - cpuOf(startup) - perByte * set.bytes) / set.count;
    if (perFile > 0.0005) {
      parts.push(
        `At that rate per byte, ${bytes(set.bytes)} would cost ${secs(perByte * set.bytes)} CPU seconds after the start-up's ${secs(cpuOf(startup))}; the rest, about ${ms(perFile)} of CPU per wheel (${secs(perFile * set.count)} s in all), is per-file work (each file's sidecar, opening, hand-off to a worker and report).`,
      );
    }
    return ` ${parts.join(' ')}`;
  };

  // ---- issue 13, item 5: start-up.
  {
    const node = startup.node;
    const runs = [
      [startup, code('wheel-guard --version')],
      [startup.collect, `a ${startup.wheels ?? 3}-wheel local-directory collect`],
    ];
    for (const [variant, name] of runs) {
      if (!variant) {
        targets.push([`Start-up: ${name} at most 0.15 s over bare ${code('node -e 0')} and 60 MB peak RSS`, T13, 'not measured in this run', verdict(undefined)]);
        continue;
      }
      const extra = wall(variant) - wall(node);
      const okTime = extra <= 0.15;
      const okRss = variant.rss.max <= 60 * MB;
      targets.push([`Start-up: ${name} at most 0.15 s over bare ${code('node -e 0')}`, T13, `${secs(wall(variant))} s vs ${secs(wall(node))} s: +${secs(extra)} s`, verdict(okTime)]);
      targets.push([`Start-up: ${name} at most 60 MB peak RSS`, T13, `at most ${mb(variant.rss.max)} (median ${mb(variant.rss.median)}; bare Node ${mb(node.rss.max)})`, verdict(okRss)]);
      if (okTime && okRss) continue;
      const parts = [`**Start-up, ${name}**${okTime ? '' : ` (+${secs(extra)} s over bare Node, ${secs(extra - 0.15)} s past the target)`}${okRss ? '' : `${okTime ? '' : ' and'} (${mb(variant.rss.max)} peak RSS, ${mb(variant.rss.max - 60 * MB)} past 60 MB)`}:`];
      if (variant === startup) {
        if (!okTime) {
          parts.push(
            `${code('--version')} does nothing but load: its ${secs(extra)} s over bare Node (${secs(wall(node))} s) is Node reading, compiling and running the ${bundle}of the entry bundle and the chunks it imports statically` +
              (r.bundleSize ? `, about ${((extra * 1000) / (r.bundleSize / 2 ** 20)).toFixed(0)} ms per MiB here: at that rate 0.15 s allows about ${bytes((0.15 / extra) * r.bundleSize)}.` : '.'),
          );
        }
        if (!okRss) parts.push(`Bare Node holds ${mb(node.rss.max)}; the ${bundle}loaded at start adds ${mb(variant.rss.max - node.rss.max)} (its code, compiled, and what it builds when it loads).`);
      } else {
        const over_ = wall(variant) - wall(startup);
        if (!okTime) {
          parts.push(
            `${secs(wall(startup) - wall(node))} s of it is the load every run pays (${code('--version')}); the other ${secs(over_)} s is the collect itself: the chunks it loads on first use (the directory container, the zip reader), starting its worker thread (one for a few files; a second only once a file has waited 100 ms for one) and the work, ${secs(cpuOf(variant))} CPU seconds (${secs(cpuOf(startup))} for ${code('--version')}).`,
          );
        }
        if (!okRss) parts.push(`${code('--version')} peaks at ${mb(startup.rss.max)} (bare Node ${mb(node.rss.max)}); the collect adds ${mb(variant.rss.max - startup.rss.max)}: the chunks it loads and the worker threads, each with a heap of its own.`);
      }
      why.push(parts.join(' '));
    }
  }

  // ---- issue 13, item 5: hashing many wheels, and verify with the content check (stored members).
  for (const set of multi) {
    const h = r.hashed[set.id];
    const wg = find(h, 'wg');
    const contents = find(h, 'wg-contents');
    const par = find(h, 'openssl-par');
    const parName = `${cores} openssl processes`;
    const q = over(wall(wg), wall(par));
    targets.push([
      `Hashing many wheels, ${set.count} × ${bytes(set.size)}: ${code('verify --check-contents false')} (post-build's hash) at most 1.15× ${code('openssl dgst -sha256')} on ${cores} processes`,
      T13,
      `${secs(wall(wg))} s vs ${secs(wall(par))} s: ${ratio(q)}`,
      verdict(q === undefined ? undefined : q <= 1.15),
    ]);
    if (q > 1.15) why.push(`**Hashing ${set.count} × ${bytes(set.size)}** (${ratio(q)} of ${parName}, target 1.15×): ${startupShare(wall(wg), wall(par), parName)} ${cpuOrCores(wg, par, 'openssl', 1.15)}${perByteAndPerFile(set, 'wg')}`);
    const qc = over(wall(contents), wall(par));
    targets.push([
      `Verify with the content check, ${set.count} × ${bytes(set.size)} (stored members): at most 1.5× ${code('openssl dgst -sha256')} on ${cores} processes`,
      T13,
      contents ? `${secs(wall(contents))} s vs ${secs(wall(par))} s: ${ratio(qc)}` : 'not measured in this run',
      verdict(qc === undefined ? undefined : qc <= 1.5),
    ]);
    if (qc > 1.5) {
      why.push(
        `**Verify with the content check, ${set.count} × ${bytes(set.size)}** (${ratio(qc)} of ${parName}, target 1.5×): ` +
          `the hash-only run took ${secs(wall(wg))} s (${ratio(q)}); the check ${adds(wall(contents) - wall(wg), cpuOf(contents) - cpuOf(wg))} (${ratio(over(cpuOf(contents), cpuOf(wg)))} the hash-only CPU). ` +
          `On stored members it takes each member's sha256 (RECORD's) beside the file's own, so every byte is hashed twice: at openssl's own rate that alone would be 2× openssl's CPU. ` +
          `${startupShare(wall(contents), wall(par), parName, true)} ${cpuOrCores(contents, par, 'openssl', 1.5)}${perByteAndPerFile(set, 'wg-contents')}`,
      );
    }
  }
  // The deflated set: a reported line (no target), against unzip -tq then sha256sum on every core.
  if (r.deflated && r.hashed[r.deflated.id]) {
    const d = r.deflated;
    const h = r.hashed[d.id];
    const contents = find(h, 'wg-contents');
    const unzip = find(h, 'unzip-par');
    const par = find(h, 'openssl-par');
    targets.push([
      `Verify with the content check, ${d.count} × ${bytes(d.size)} of text in deflated members (${bytes(d.bytes)} on disk): against ${code('unzip -tq')} then ${code('sha256sum')} on ${cores} processes`,
      T13,
      `${secs(wall(contents))} s vs ${secs(wall(unzip))} s: ${ratio(over(wall(contents), wall(unzip)))}; vs openssl on ${cores} processes (${secs(wall(par))} s): ${ratio(over(wall(contents), wall(par)))}`,
      'reported (no target)',
    ]);
  }

  // ---- issue 13, item 5: collect from s3rver with the content check; issue 7's "faster than download then sha256sum -c".
  for (const set of r.sets) {
    const c = r.s3[set.id];
    const wg = find(c, 'wg');
    const aws = find(c, 'aws');
    const rclone = find(c, 'rclone');
    const check = find(c, 'aws-check');
    const fast = find(c, 'wg-nocheck');
    const plain = [aws, rclone].filter(Boolean);
    const fastest = plain.length ? plain.reduce((a, b) => (wall(b) < wall(a) ? b : a)) : undefined;
    const qWall = over(wall(wg), wall(fastest));
    const qCpu = over(cpuOf(wg), cpuOf(aws));
    const qCheck = over(wall(wg), wall(check));
    const name = `${set.count} × ${bytes(set.size)}`;
    targets.push([
      `Collect from S3 with the content check, ${name}: wall at most 1.1× the fastest plain download (${code('aws s3 cp --recursive')} or ${code('rclone copy')})`,
      T13,
      fastest ? `${secs(wall(wg))} s vs ${secs(wall(fastest))} s (${fastest.label}): ${ratio(qWall)}` : 'not measured (no AWS CLI or rclone)',
      verdict(qWall === undefined ? undefined : qWall <= 1.1),
    ]);
    targets.push([
      `Collect from S3 with the content check, ${name}: CPU seconds at most 1.2× the AWS CLI's`,
      T13,
      aws ? `${secs(cpuOf(wg))} vs ${secs(cpuOf(aws))} CPU s: ${ratio(qCpu)}` : 'not measured (no AWS CLI)',
      verdict(qCpu === undefined ? undefined : qCpu <= 1.2),
    ]);
    targets.push([
      `Collect from S3 faster than ${code('aws s3 cp --recursive')} then ${code('sha256sum -c')}: ${name}`,
      T7,
      check ? `${secs(wall(wg))} s vs ${secs(wall(check))} s: ${ratio(qCheck)}` : 'not measured (no AWS CLI)',
      verdict(qCheck === undefined ? undefined : qCheck < 1),
    ]);
    if (!(qWall > 1.1 || qCpu > 1.2 || qCheck >= 1)) continue;
    const parts = [`**Collect ${name} from S3** (wall ${ratio(qWall)} of the fastest plain download, ${fastest?.label}; CPU ${ratio(qCpu)} of the AWS CLI's; ${ratio(qCheck)} of download then ${code('sha256sum -c')}):`];
    if (fast) {
      const extra = wall(wg) - wall(fast);
      parts.push(
        `with ${code('--check-contents false')} collect takes ${secs(wall(fast))} s (${ratio(over(wall(fast), wall(fastest)))} of the fastest plain download) and ${secs(cpuOf(fast))} CPU seconds (${ratio(over(cpuOf(fast), cpuOf(aws)))} of the AWS CLI's)` +
          (extra > 0.1 * wall(wg)
            ? `, so the content check adds ${secs(extra)} s and ${secs(cpuOf(wg) - cpuOf(fast))} CPU seconds: it is not hidden behind the transfer.`
            : `, so the content check adds ${secs(cpuOf(wg) - cpuOf(fast))} CPU seconds but little wall time (${secs(extra)} s): it overlaps the transfer.`),
      );
    }
    const busy = busyOf(wg);
    parts.push(
      `wheel-guard kept ${busy.toFixed(2)} of ${cores} cores busy for ${secs(wall(wg))} s and used ${secs(cpuOf(wg))} CPU seconds` +
        (busy > 0.8 && busy < 1.3 ? ', bound by about one core (its wall time about its CPU time),' : ',') +
        ` where the AWS CLI used ${secs(cpuOf(aws))} CPU seconds${rclone ? ` and rclone ${secs(cpuOf(rclone))}` : ''}.` +
        (busy <= 0.8 && fastest
          ? ` Under one core busy, it waits more than it computes: on s3rver, which answers from the same ${cores} cores, and on its own pace of requests (4 transfers at once, the default; the AWS CLI runs 10, rclone 4); ${fastest.label} kept ${busyOf(fastest).toFixed(2)} cores busy for its ${secs(wall(fastest))} s.`
          : ''),
    );
    const bare = find(c, 'node-bare');
    if (bare && aws) {
      const qBare = over(cpuOf(bare), cpuOf(aws));
      const own = cpuOf(wg) - cpuOf(bare);
      parts.push(
        `Bare Node (the same SDK's GetObject, sha256 and a write, nothing of wheel-guard) took ${secs(wall(bare))} s and ${secs(cpuOf(bare))} CPU seconds, ${ratio(qBare)} of the AWS CLI's` +
          (qBare > 1.2 ? ': the floor of a Node client is past the 1.2× target on this machine before any check' : '') +
          (own <= 0
            ? `; wheel-guard, its content check included, spends ${secs(-own)} CPU seconds less (${ratio(over(cpuOf(wg), cpuOf(bare)))} the bare client's): it frees a transfer's buffers as it goes (core/heap.ts), where the bare client leaves them to V8's external-memory limit.`
            : `; wheel-guard spends ${secs(own)} CPU seconds more (${ratio(over(cpuOf(wg), cpuOf(bare)))} the bare client's), its content check included.`),
      );
    }
    const nodeRate = bareHashCpuPerByte();
    const load = othersLoad(c.flatMap((variant) => variant.samples));
    parts.push(
      (nodeRate
        ? `Hashing ${bytes(set.bytes)} costs Node about ${secs(nodeRate * set.bytes)} CPU seconds (bare Node's rate on the ${bytes(big.size)} wheel); the rest of wheel-guard's is the S3 client, the content check, bookkeeping and the start-up of ${secs(S)} s. `
        : '') +
        `On ${cores} cores, the client shares the CPU with s3rver (${secs(wg.server.median)} s serving wheel-guard, ${secs(aws?.server.median)} s serving the AWS CLI${rclone ? `, ${secs(rclone.server.median)} s rclone` : ''})` +
        (load ? ` and with other processes (${load.mean.toFixed(2)} cores on average during these runs)` : '') +
        ': the CPU a client spends is time it waits.',
    );
    why.push(parts.join(' '));
  }

  // Collect from Azure Blob Storage (Azurite): reported lines (no target), against rclone.
  if (!r.azure?.collect) {
    targets.push([`Collect from Azure Blob Storage (Azurite) with the content check: against ${code('rclone copy')} (section 7)`, '—', 'not measured in this run', verdict(undefined)]);
  } else {
    for (const set of r.sets) {
      const c = r.azure.collect[set.id];
      if (!c) continue;
      const wg = find(c, 'wg');
      const rclone = find(c, 'rclone');
      const check = find(c, 'rclone-check');
      const bare = find(c, 'node-bare');
      targets.push([
        `Collect from Azure Blob Storage (Azurite) with the content check, ${set.count} × ${bytes(set.size)}: against ${code('rclone copy')} (section 7)`,
        '—',
        (rclone ? `${secs(wall(wg))} s vs ${secs(wall(rclone))} s: ${ratio(over(wall(wg), wall(rclone)))}; vs rclone then ${code('sha256sum -c')} (${secs(wall(check))} s): ${ratio(over(wall(wg), wall(check)))}` : 'rclone not installed') +
          (bare ? `; vs bare Node (${secs(wall(bare))} s): ${ratio(over(wall(wg), wall(bare)))}` : ''),
        'reported (no target)',
      ]);
    }
  }

  /** How a command's peak RSS grows with the number of (small) wheels, from section 5. */
  const scaleRss = (id) => {
    const points = r.scale.counts.map((n) => [n, find(r.scaled[n], id)?.rss.max]).filter(([, v]) => v !== undefined);
    if (points.length < 2) return '';
    if (points[points.length - 1][1] < 1.2 * points[0][1]) return '';
    return ` It also grows with the number of wheels: ${points.map(([n, v]) => `${mb(v)} at ${n.toLocaleString('en')}`).join(', ')} wheels of ${bytes(r.scale.size)} (section 5).`;
  };

  // ---- issue 13, item 5: peak memory on the biggest wheel (post-build, collect, verify with the check).
  const rssRows = [];
  {
    const pb = r.big.result;
    const pbS3 = r.populated.find((run) => run.set === big.id && run.target === 's3');
    const c = r.s3[big.id];
    const l = r.local[big.id];
    const h = r.hashed[big.id];
    const az = r.azure?.collect?.[big.id];
    const pbAzure = r.azure?.populated?.find((run) => run.set === big.id);
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
      ...(r.azure?.collect?.[big.id]
        ? [
            ['wheel-guard post-build → Azure (Azurite; the run that filled the container)', 1, pbAzure?.sample.rss, pbAzure?.sample.rss, 'post-build'],
            ['wheel-guard collect ← Azure (Azurite, default)', find(az, 'wg')?.samples.length, find(az, 'wg')?.rss.median, maxRss(find(az, 'wg')), 'collect'],
          ]
        : []),
      ['wheel-guard verify, hash + contents (default)', find(h, 'wg-contents')?.samples.length, find(h, 'wg-contents')?.rss.median, maxRss(find(h, 'wg-contents')), 'verify'],
      ['wheel-guard verify, hash only', find(h, 'wg')?.samples.length, find(h, 'wg')?.rss.median, maxRss(find(h, 'wg'))],
      ['wheel-guard --version (start-up only, no wheel)', startup.samples.length, startup.rss.median, startup.rss.max],
      ['aws s3 cp --recursive', find(c, 'aws')?.samples.length, find(c, 'aws')?.rss.median, maxRss(find(c, 'aws'))],
      ['rclone copy', find(c, 'rclone')?.samples.length, find(c, 'rclone')?.rss.median, maxRss(find(c, 'rclone'))],
      ['rclone copy ← Azure (Azurite)', find(az, 'rclone')?.samples.length, find(az, 'rclone')?.rss.median, maxRss(find(az, 'rclone'))],
      ['openssl dgst -sha256', find(h, 'openssl')?.samples.length, find(h, 'openssl')?.rss.median, maxRss(find(h, 'openssl'))],
    ];
    for (const [label, n, med, max, role] of entries) {
      if (med === undefined) continue;
      rssRows.push([label, String(n), mb(med), mb(max), role ? (max <= RSS_LIMIT ? 'yes' : '**no**') : '']);
    }
    for (const role of ['post-build', 'collect', 'verify']) {
      const mine = entries.filter((entry) => entry[4] === role && entry[3] !== undefined);
      const label = `Peak RSS at most 150 MB on the ${bytes(big.size)} wheel${small}: ${role === 'verify' ? 'verify with the content check' : role}`;
      if (mine.length === 0) {
        targets.push([label, T13, 'not measured in this run', verdict(undefined)]);
        continue;
      }
      const worst = mine.reduce((a, b) => (b[3] > a[3] ? b : a));
      const ok = mine.every((entry) => entry[3] <= RSS_LIMIT);
      targets.push([label, T13, `at most ${mb(worst[3])} (${worst[0].replace('wheel-guard ', '')})`, verdict(ok)]);
      if (!ok) {
        const over150 = mine.filter((entry) => entry[3] > RSS_LIMIT).map((entry) => `${entry[0].replace('wheel-guard ', '')} ${mb(entry[3])}`);
        why.push(
          `**Peak RSS of ${role}** (${over150.join('; ')}; ${mb(worst[3] - RSS_LIMIT)} past 150 MB at the worst): wheel-guard doing nothing (${code('--version')}) already holds ${mb(startup.rss.median)} ` +
            `(bare Node: ${mb(startup.node.rss.median)}): the ${bundle}every command parses (the entry bundle and its static chunks; the AWS SDK and @actions/artifact load only for their containers). ` +
            `The ${bytes(big.size)} wheel adds ${mb(worst[3] - startup.rss.median)} on top at the worst: ` +
            `the hash-only verify peaks at ${mb(find(h, 'wg')?.rss.max)}, with the content check at ${mb(find(h, 'wg-contents')?.rss.max)}.` +
            scaleRss(role),
        );
      }
    }
  }

  // ---- issue 13, item 5: peak RSS within +20 MB from the fewest to the most wheels; issue 7: time per wheel flat.
  const counts = r.scale.counts;
  const first = counts[0];
  const last = counts[counts.length - 1];
  const toLast = last < 1000 ? ` (the target names 1,000; this run's most)` : '';
  const scaleIds = [
    ['post-build', 'post-build → S3'],
    ['collect', 'collect ← S3'],
    ['verify', 'verify (with the content check)'],
  ];
  for (const [id, label] of scaleIds) {
    const a = find(r.scaled[first], id)?.rss.max;
    const b = find(r.scaled[last], id)?.rss.max;
    const growth = a === undefined || b === undefined ? undefined : b - a;
    const ok = growth === undefined ? undefined : growth <= 20 * MB;
    targets.push([
      `Peak RSS within +20 MB from ${first} to ${last.toLocaleString('en')} wheels${toLast}: ${label}`,
      T13,
      growth === undefined ? 'not measured in this run' : `${counts.map((n) => mb(find(r.scaled[n], id)?.rss.max)).join(' → ')}: ${growth >= 0 ? '+' : '−'}${mb(Math.abs(growth))}`,
      verdict(ok),
    ]);
    if (ok === false) {
      why.push(
        `**Peak RSS with the number of wheels, ${label}** (+${mb(growth)} from ${first} to ${last.toLocaleString('en')} wheels, ${mb(growth - 20 * MB)} past +20 MB): about ${((growth / (last - first)) / 1000).toFixed(0)} kB more per wheel of ${bytes(r.scale.size)}, ` +
          `far more than a result row (a name, a size, a digest: well under 1 kB) needs. These figures do not say what it is; traced outside the bench (DEVELOPERS.md, "Memory with many wheels") it is not data kept per wheel (a heap snapshot at 1,000 holds under 20 MB) but a second worker thread, started for 16 wheels and more (13–16 MB), and the malloc arenas of the process's threads, V8's background compiles among them. ` +
          `At ${first} wheels it already peaks ${mb(a - startup.rss.median)} above ${code('--version')}'s ${mb(startup.rss.median)}.`,
      );
    }
  }
  const perWheel = (n, id) => wall(find(r.scaled[n], id)) / n;
  for (const [id, label] of scaleIds) {
    const steps = counts.slice(1).map((n, i) => over(perWheel(n, id), perWheel(counts[i], id)));
    const worst = Math.max(...steps);
    const ok = worst <= 1.1;
    targets.push([
      `Time per wheel flat from ${first} to ${last.toLocaleString('en')} wheels: ${label}`,
      T7,
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

  // ---- issue 7, kept: hashing within 10% of openssl per core: one big file, one core each.
  {
    const h = r.hashed[big.id];
    const wg = find(h, 'wg');
    const ossl = find(h, 'openssl');
    const bare = find(h, 'node-64k');
    const q = over(wall(wg), wall(ossl));
    const ok = q === undefined ? undefined : q <= 1.1;
    targets.push([
      `Hashing within 10% of ${code('openssl dgst -sha256')} per core (one ${bytes(big.size)} wheel: one core each)`,
      T7,
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

  // ---- issue 13, item 6: the whole bench in under 25 minutes on a 2-core machine.
  {
    const minutes = r.seconds / 60;
    const ok = r.quick ? undefined : minutes < 25;
    targets.push([
      `The full bench in under 25 minutes on a 2-core machine (this one: ${cores} cores)`,
      `${T13}, item 6`,
      `${minutes.toFixed(1)} minutes (${r.quick ? 'a quick run: not the full bench' : 'this full run'})`,
      r.quick ? 'not judged (quick run)' : verdict(ok),
    ]);
    if (ok === false) {
      const longest = [...r.timings].sort((a, b) => b[1] - a[1]).slice(0, 4);
      why.push(`**The run took ${minutes.toFixed(1)} minutes** (${(minutes - 25).toFixed(1)} past 25): the longest parts were ${longest.map(([part, s]) => `${part} (${secs(s)} s)`).join(', ')} (section "The run").`);
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
      `s3rver (the S3 server) runs inside the bench process on the same ${cores} cores as the client it serves, over loopback` +
      (r.azure?.collect ? `; Azurite (the Azure Blob server, section 7) in a process of its own, on the same cores.` : '.'),
  );

  p(
    '## Targets',
    'Issue 13\'s targets, and those of issue 7 that still stand, each judged from this run\'s figures. Issue 13 replaces issue 7\'s targets on the same questions: ' +
      `hashing across files (1.1× of ${code('openssl dgst -sha256')} on every core becomes 1.15×, and the content check gets its own, 1.5×), ` +
      `collect from S3 (1.1× of ${code('aws s3 cp --recursive')} alone becomes 1.1× of the fastest plain download, the AWS CLI or rclone, and CPU seconds within 1.2× of the AWS CLI's), ` +
      'peak RSS (under 150 MB for post-build and collect becomes at most 150 MB for verify with the check too, and at most +20 MB from 10 to 1,000 wheels), and adds the start-up and the length of the run. ' +
      `Issue 7's hashing per core on one big wheel, collect faster than download then ${code('sha256sum -c')}, and time per wheel flat with the number of wheels are kept.` +
      (r.quick ? ` **This is a quick run**: its sets are smaller than the targets name (the largest wheel ${bytes(big.size)}, up to ${Math.max(...r.scale.counts).toLocaleString('en')} wheels), so its verdicts are a smoke test of the report, not the benchmark's.` : ''),
    table(['target', 'from', 'measured', 'verdict'], targets, { left: true }),
  );
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
        ...(r.versions.unzip ? [['unzip (section 1, deflated members)', r.versions.unzip]] : []),
        ...(r.versions.nginx ? [['nginx (the web server of section 6)', r.versions.nginx]] : []),
        ['s3rver', r.versions.s3rver],
        ...(r.azure?.collect && r.versions.azurite ? [['Azurite (the Azure Blob server of section 7)', `${r.versions.azurite}, in memory, on the bench's Node`]] : []),
        ['Python (makes the wheels)', r.versions.python],
        ['GNU time', r.versions.time],
      ],
      { left: true },
    ),
  );
  if (r.notes.length > 0) p('Notes:', list(r.notes));

  p(
    '## Data',
    'Valid wheels made by `__tests__/helpers/make-wheel.py` (through `scripts/bench/make-wheels.py`, one Python per core): a package with one stored payload of random bytes, METADATA, WHEEL and a RECORD hashing every member. Each set is parked once with wheel-guard post-build in the s3rver bucket (`s3://bench/<set>`) with `--local-sidecars`, so the wheels\' own directory (`.bench/wheels/<set>`, each wheel with its `.sha256` sidecar) is the directory container that verify and the local collect read. ' +
      'The deflated set (`make-wheel.py --deflate`: source-like text in many deflated members) is read by verify only (section 1); post-build writes its sidecars beside it, into a directory container. ' +
      (r.azure?.collect ? 'For section 7, post-build parks each set once more in Azurite (`azure://devstoreaccount1/bench/<set>`), the wheels with their sidecars. ' : '') +
      `The start-up's collect (section 8) reads ${startup.wheels ?? 3} of the scaling wheels from a directory container post-build filled.`,
    table(
      ['set', 'wheels', 'payload each', 'on disk'],
      [
        ...r.sets.map((set) => [`${set.id}: ${set.title}`, set.count.toLocaleString('en'), bytes(set.size), bytes(set.bytes)]),
        ...(r.deflated ? [[`${r.deflated.id}: ${r.deflated.title}`, r.deflated.count.toLocaleString('en'), `${bytes(r.deflated.size)} uncompressed`, bytes(r.deflated.bytes)]] : []),
        [`scaling`, counts.map((n) => n.toLocaleString('en')).join(', '), bytes(r.scale.size), `the first N of ${Math.max(...counts).toLocaleString('en')} (hard links)`],
      ],
    ),
  );

  // Hashing
  p(
    '## 1. Hashing and the content check',
    `${code('wheel-guard verify DIR')} hashes each wheel against its sidecar the way post-build hashes it (the same code), without the copy or upload, so it isolates post-build's hashing. ` +
      `Hash only is ${code('--check-contents false')}; the default (hash + contents) also checks each wheel against its RECORD: every member read, hashed and compared. The three sets of the other sections store their members (one random payload each, as ${code('make-wheel.py')} makes them); the last table is wheels whose members are deflated, as most real wheels' are. wheel-guard's default concurrency is 4; ` +
      `${cores} processes of sha256sum or openssl (${code('xargs -P')}) is the fair per-core comparison across files. ` +
      `Every wheel-guard line includes the fixed start-up: ${secs(wall(startup))} s median (${secs(startup.wall.min)}–${secs(startup.wall.max)}) for ${code(`${'node dist/cli/index.js'} --version`)}.`,
  );
  for (const set of [...r.sets, ...(r.deflated && r.hashed[r.deflated.id] ? [r.deflated] : [])]) {
    const h = r.hashed[set.id];
    const ossl = find(h, 'openssl');
    const par = find(h, 'openssl-par');
    const unzip = find(h, 'unzip-par');
    const hashOnly = find(h, 'wg');
    const contents = find(h, 'wg-contents');
    p(
      set.deflate
        ? `### ${set.count} × ${bytes(set.size)} of text in deflated members (${set.id}, ${bytes(set.bytes)} on disk)`
        : `### ${set.count} × ${bytes(set.size)} (${set.id}, ${bytes(set.bytes)})`,
      set.deflate
        ? `Made by ${code('make-wheel.py --deflate')}: lines of words drawn from a seeded vocabulary, as source code is, in members of 16–256 KiB, every one deflated (${ratio(over(set.count * set.size, set.bytes))} smaller on disk). ` +
            `${code('unzip -tq')} inflates every member and checks its CRC-32 (not RECORD's sha256): with ${code('sha256sum')} of each file after it, on ${cores} processes, it is the nearest plain-tool line. MB/s are of the bytes on disk.`
        : '',
      table(
        ['tool', 'median s', 'min–max s', 'MB/s', 'CPU s', 'cores busy', 'vs openssl, 1 process', `vs openssl, ${cores} processes`, ...(unzip ? [`vs unzip -tq + sha256sum, ${cores} processes`] : [])],
        h.map((v) => [
          v.label,
          secs(wall(v)),
          spread(v),
          rate(set.bytes, wall(v)),
          secs(v.cpu.median),
          (v.cpu.median / wall(v)).toFixed(2),
          ratio(over(wall(v), wall(ossl))),
          par ? ratio(over(wall(v), wall(par))) : 'n/a (one file)',
          ...(unzip ? [ratio(over(wall(v), wall(unzip)))] : []),
        ]),
      ),
      [
        hashOnly && contents
          ? `Against the hash-only run, the content check ${adds(wall(contents) - wall(hashOnly), contents.cpu.median - hashOnly.cpu.median)} (${ratio(over(contents.cpu.median, hashOnly.cpu.median))} its CPU).`
          : '',
        loadNote(h),
      ]
        .filter((text) => text !== '')
        .join(' '),
    );
  }
  p('Commands (the plain tools run in the directory holding the wheels):', list([...r.sets, ...(r.deflated && r.hashed[r.deflated.id] ? [r.deflated] : [])].flatMap((set) => r.hashed[set.id]).filter((v, i, all) => all.findIndex((w) => w.id === v.id) === i).map((v) => `${v.label}: ${code(v.shown)}`)));

  // Collect from S3
  p(
    '## 2. Collect from S3 (s3rver)',
    `Each tool downloads the whole set into a fresh directory. wheel-guard collect reads each sidecar, downloads the wheel while hashing it, checks it (by default also against its RECORD) and only then moves it into place. ` +
      `The AWS CLI and rclone run with their defaults (aws: 10 concurrent requests, multipart above 8 MB; rclone: 4 transfers); wheel-guard with its default concurrency of 4. ` +
      `rclone checks the MD5 ETag of single-part objects on its own; the AWS CLI checks nothing unless followed by ${code('sha256sum -c')} over the sidecars it downloaded too. ` +
      `"Bare Node" (${code('scripts/bench/bare-s3.mjs')}) is the floor of any Node client: the same SDK and settings, each wheel's GetObject hashed and written, 4 at once, and nothing else (no sidecar, check, temporary file or retry). ` +
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
        ['tool', 'median s', 'min–max s', 'MB/s', 'CPU s', 'peak RSS', 's3rver CPU s', 'vs aws s3 cp', 'vs aws s3 cp + sha256sum -c', 'vs rclone copy'],
        c.map((v) => [
          v.label,
          secs(wall(v)),
          spread(v),
          rate(set.bytes, wall(v)),
          secs(cpuOf(v)),
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
    `Maximum resident set size from GNU time, median and maximum over the runs. The target (at most 150 MB, issue 13) applies to post-build, collect and verify with the content check; the other lines are for comparison.`,
    table(['run', 'runs', 'median', 'max', 'at most 150 MB'], rssRows),
    `post-build → directory: ${code(r.big.result.shown)}.`,
  );

  // Scaling
  const scaleRows = counts.map((n) => [
    n.toLocaleString('en'),
    ...scaleIds.flatMap(([id]) => {
      const v = find(r.scaled[n], id);
      return v ? [secs(wall(v)), ms(wall(v) / n), mb(v.rss.max)] : ['n/a', 'n/a', 'n/a'];
    }),
  ]);
  p(
    `## 5. Time and memory at ${counts.slice(0, -1).map((n) => n.toLocaleString('en')).join(', ')} and ${counts[counts.length - 1].toLocaleString('en')} wheels`,
    `${bytes(r.scale.size)} wheels: median total seconds, time per wheel, and the largest peak RSS of the runs (the target: it grows by at most 20 MB from the fewest wheels to the most). post-build uploads to a fresh S3 prefix each repetition; collect reads the first repetition's prefix; verify checks the wheels against the SHA256SUMS post-build wrote. ` +
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

  // Collect from Azure Blob Storage
  p(...azureBlocks(r));

  // Start-up
  {
    const node = startup.node;
    const rows = [startup, ...(startup.collect ? [startup.collect] : []), node].map((v) => [
      v.label,
      secs(wall(v)),
      spread(v),
      v === node ? '' : `+${secs(wall(v) - wall(node))}`,
      secs(v.cpu.median),
      mb(v.rss.median),
      mb(v.rss.max),
    ]);
    p(
      '## 8. Start-up',
      `What every wheel-guard run pays before its work, and the smallest real run: ${code('--version')} loads the entry bundle and the chunks it imports statically (${bundle || 'size not recorded '}in all) and prints; ` +
        `the collect of ${startup.wheels ?? 3} wheels of ${bytes(r.scale.size)} from a directory container (content check on, the default) also loads what a run needs on first use (the container, the zip reader, the worker threads). ` +
        `Against bare ${code('node -e 0')} on the same Node. One warm-up run is not kept; ${startup.samples.length} repetitions. The target (issue 13): at most 0.15 s over bare Node and at most 60 MB peak RSS.`,
      table(['run', 'median s', 'min–max s', 'over bare Node s', 'CPU s', 'peak RSS (median)', 'peak RSS (max)'], rows),
      loadNote([startup, ...(startup.collect ? [startup.collect] : []), node]),
      'Commands:',
      list([startup, ...(startup.collect ? [startup.collect] : []), node].map((v) => `${v.label}: ${code(v.shown ?? '')}`)),
    );
  }

  // Populating
  p(
    '## Parking the sets (one run each, for reference)',
    'post-build of every set into the bucket, as the bench filled it (the deflated set into a directory, for its sidecars): hash and content check, upload, read back, local sidecar. ' +
      (r.azure?.populated ? 'Then every set again into Azurite, without the local sidecar (section 7; "Azurite CPU s" is what Azurite spent on it). ' : '') +
      'Single runs, not repeated.',
    table(
      ['set', 'into', 'seconds', 'MB/s', 'peak RSS', ...(r.azure?.populated ? ['Azurite CPU s'] : [])],
      [...r.populated, ...(r.azure?.populated ?? [])].map((run) => {
        const set = setOf(run.set);
        const into = { s3: 'S3 (s3rver)', azure: 'Azure Blob (Azurite)' }[run.target] ?? 'directory';
        return [
          `${set.count} × ${bytes(set.size)} (${set.id})`,
          into,
          secs(run.sample.wall),
          rate(set.bytes, run.sample.wall),
          mb(run.sample.rss),
          ...(r.azure?.populated ? [run.target === 'azure' ? secs(run.sample.server) : ''] : []),
        ];
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
    '```sh\nnpm run bench                  # the full run: the sets above, 3 repetitions (under 25 minutes on 2 cores: issue 13)\nBENCH_QUICK=1 npm run bench    # a smoke run: 6 × 20 MiB, 1 × 200 MiB, 50 × 200 KiB, 6 × 5 MiB deflated, 10 and 100 wheels, 1 repetition\n```',
    'It needs python3, GNU time (`/usr/bin/time`), openssl, and for the comparisons the AWS CLI, rclone, curl, unzip (section 1\'s deflated set), nginx (section 6) and Azurite (section 7: the devDependency, which `npm ci` installs); as root with apt-get it installs `time`, `awscli`, `rclone`, `curl` and `unzip` when missing (nginx comes from `bash .ci/run`, which keeps its service from starting), otherwise it leaves out what is missing and says so above. ' +
      'Data goes to `.bench/` (about 2.9 GiB of wheels, as much again in the bucket, and up to 1.2 GiB of downloads at a time; Azurite holds the three sets, about 2.3 GiB, in its memory while section 7 runs) and is removed at the end (`BENCH_KEEP=1` keeps it), all but `.bench/results.json`: the raw figures of every sample, from which `node scripts/bench.mjs --render` rewrites this report without measuring anything. ' +
      '`BENCH_REPS=N` changes the repetitions, `WG_NODE=/path/to/node` the Node that runs wheel-guard (default: the Node running the bench, which under `npm run bench` is the `node` devDependency, the action\'s Node 24). ' +
      '`BENCH_ONLY=azure` measures section 7 alone (`BENCH_SETS=nightly` on one set), a check of it while it is worked on: its figures go to `.bench/results-azure.json` and the section to stdout, and this report and `.bench/results.json` are left alone.',
  );
  return out.join('\n');
}
