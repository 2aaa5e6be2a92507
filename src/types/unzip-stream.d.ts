declare module 'unzip-stream' {
  import type { Readable, Transform } from 'node:stream';
  /** One member of a zip, read from its local header as the archive streams by. */
  export interface Entry extends Readable {
    path: string;
    type: 'File' | 'Directory';
    size?: number;
    autodrain(): void;
  }
  export function Parse(options?: { debug?: boolean }): Transform;
  const unzip: { Parse: typeof Parse };
  export default unzip;
}
