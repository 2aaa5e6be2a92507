/** Terminal output: a live progress line on a TTY, plain lines otherwise. */
import { type FileResult, FileStatus, formatBytes, type Reporter } from '../core/report.js';
import { plain } from '../core/untrusted.js';

/** Where the CLI writes; a TTY gets the live line. */
export interface Terminal {
  write(text: string): void;
  isTTY: boolean;
}

/** Redraws at most this often. */
const FRAME_MS = 100;

/**
 * A reporter for people: on a TTY one status line, redrawn, shows every
 * file in flight; off a TTY (CI logs, pipes) each event is one plain line.
 */
export function terminalReporter(out: Terminal): Reporter {
  const active = new Map<string, { bytes: number; total: number | undefined }>();
  let finished = 0;
  let lastDraw = 0;
  let drawn = false;

  const clear = (): void => {
    if (drawn) out.write('\r\x1b[K');
    drawn = false;
  };
  const draw = (): void => {
    if (!out.isTTY || active.size === 0) return;
    const parts = [...active].map(([name, { bytes, total }]) =>
      total ? `${plain(name)} ${Math.floor((bytes / total) * 100)}%` : `${plain(name)} ${formatBytes(bytes)}`,
    );
    const columns = (process.stderr.columns || 100) - 1;
    out.write(`\r\x1b[K[${finished} done] ${parts.join(' · ')}`.slice(0, columns + 4));
    drawn = true;
  };
  // Every line goes out through plain(): no name reaches the terminal with an escape sequence in it.
  const line = (text: string): void => {
    clear();
    out.write(`${plain(text)}\n`);
    draw();
  };

  return {
    info: (message) => line(message),
    warning: (message) => line(`warning: ${message}`),
    progress(name, bytes, total) {
      active.set(name, { bytes, total });
      const now = Date.now();
      if (out.isTTY && now - lastDraw >= FRAME_MS) {
        lastDraw = now;
        clear();
        draw();
      }
    },
    fileDone(result: FileResult) {
      active.delete(result.name);
      finished++;
      const mark = result.status === FileStatus.Failed ? 'FAIL' : 'ok  ';
      line(`${mark} ${result.name} (${result.status})`);
    },
  };
}
