/**
 * Writing a file atomically, so that a process killed mid-write leaves the previous file whole:
 * the bytes go to a temporary file beside the target, are flushed to disk, and the temporary file
 * is then renamed over the target in one step. Node only.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes bytes to `path` atomically (temporary file, fsync, rename). */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (let o = 0; o < bytes.length; ) o += writeSync(fd, bytes, o, bytes.length - o);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    const dir = openSync(dirname(path), 'r'); // make the rename itself durable where the OS allows
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    /* directories cannot be fsynced everywhere (Windows); the rename is still atomic */
  }
}
