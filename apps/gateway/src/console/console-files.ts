import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the build puts the console (`vite build`): beside the gateway in dist/apps. */
export const CONSOLE_DIR = path.resolve(__dirname, '..', '..', '..', 'console');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A built asset's name: hashed by the build, one path segment, nothing that could climb out of the folder. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface ConsoleFile {
  body: Buffer;
  contentType: string;
}

/**
 * The console's built files, read once and kept: a page, some scripts and styles (a few hundred kilobytes), served
 * on every visit. `index()` is the page every console path answers with (the console routes in the browser).
 */
export class ConsoleFiles {
  private readonly assets = new Map<string, ConsoleFile | null>();
  private page?: Buffer;

  constructor(private readonly dir = CONSOLE_DIR) {}

  get built(): boolean {
    return existsSync(path.join(this.dir, 'index.html'));
  }

  index(): Buffer {
    this.page ??= readFileSync(path.join(this.dir, 'index.html'));
    return this.page;
  }

  /** A file of `assets/`, or undefined for a name that is not one. */
  asset(name: string): ConsoleFile | undefined {
    if (!ASSET_NAME.test(name)) return undefined;
    if (!this.assets.has(name)) {
      const file = path.join(this.dir, 'assets', name);
      const contentType = CONTENT_TYPES[path.extname(name)];
      this.assets.set(
        name,
        contentType && existsSync(file) ? { body: readFileSync(file), contentType } : null,
      );
    }
    return this.assets.get(name) ?? undefined;
  }
}
