import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface ConfigFileWatcherOptions {
  /** Quiet time after the last event before the file is read; editors write in several steps. */
  readonly debounceMs?: number;
  /** Faults of the watch itself; it re-arms by itself. */
  readonly onError?: (error: Error) => void;
}

export interface ConfigFileWatcher {
  close(): void;
}

const DEFAULT_DEBOUNCE_MS = 200;
const REARM_DELAY_MS = 1_000;

/**
 * Calls `onChange` when the content of the file at `path` changes.
 *
 * Watches the directory, not the file: editors that save by writing a new file and renaming it over
 * the old one (vim, most IDEs), and Kubernetes ConfigMaps (a symlink swapped in the directory),
 * replace the inode a file watch would hold. An event in the directory, after a quiet period,
 * reads the file; only a content change counts, so `touch` and a save without changes cause
 * nothing, and a file written in several steps is read once it is quiet.
 */
export function watchConfigFile(path: string, onChange: () => void, options: ConfigFileWatcherOptions = {}): ConfigFileWatcher {
  const directory = dirname(path);
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  let closed = false;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let rearm: NodeJS.Timeout | undefined;
  let lastDigest: string | undefined;
  let checking: Promise<void> = Promise.resolve();

  const digest = async (): Promise<string | undefined> => {
    try {
      return createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    } catch {
      // Missing between an editor's delete and rename: the rename brings another event.
      return undefined;
    }
  };

  const check = async () => {
    const current = await digest();
    if (closed || current === undefined || current === lastDigest) return;
    lastDigest = current;
    onChange();
  };

  const schedule = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      checking = checking.then(check);
    }, debounceMs);
  };

  const arm = () => {
    if (closed) return;
    try {
      watcher = watch(directory, { persistent: false }, (_event, file) => {
        if (file === null || !isEditorScratch(file)) schedule();
      });
      watcher.on('error', (error) => {
        options.onError?.(error);
        watcher?.close();
        rearm = setTimeout(arm, REARM_DELAY_MS);
      });
    } catch (error) {
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
      rearm = setTimeout(arm, REARM_DELAY_MS);
    }
  };

  // No digest is taken at start: the file may have changed since it was loaded, so the first
  // event always reloads (applying an unchanged file changes nothing).
  arm();

  return {
    close() {
      closed = true;
      clearTimeout(debounce);
      clearTimeout(rearm);
      watcher?.close();
    },
  };
}

/** Swap and backup files editors write beside the file; they never hold the configuration. */
function isEditorScratch(file: string): boolean {
  return file.endsWith('~') || /\.sw[a-p]$/.test(file) || file === '4913';
}
