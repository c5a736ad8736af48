/**
 * Writing a file atomically, so that a process killed mid-write leaves the previous file whole:
 * the bytes go to a temporary file beside the target, are flushed to disk, and the temporary file
 * is then renamed over the target in one step. Node only.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileError } from '../errors.js';

/** What a system error code means for a target the user named. */
function reason(code: string | undefined, e: unknown): string {
  switch (code) {
    case 'ENOENT':
      return 'its directory does not exist';
    case 'ENOTDIR':
      return 'a part of its directory is a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENAMETOOLONG':
      return 'the name is longer than the system allows';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return (e as Error).message;
  }
}

/**
 * Writes bytes to `path` atomically (temporary file, fsync, rename). A failure is a FileError that
 * names `path` and says why, and the temporary file is removed on every failure path. The temporary
 * name keeps at most 64 characters of the target's, so any name the system allows can be saved.
 *
 * @example
 * ```ts
 * writeFileAtomic('model.mnn', modelToBytes(model)); // the old file stays whole until the new one is on disk
 * ```
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = join(
    dirname(path),
    `.${basename(path).slice(0, 64)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`,
  );
  const fail = (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(
      `save: cannot write ${JSON.stringify(path)}: ${reason(code, e)}${code ? ` (${code})` : ''}.`,
      path,
      code,
      e,
    );
  };
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    return fail(e);
  }
  try {
    try {
      for (let o = 0; o < bytes.length;) o += writeSync(fd, bytes, o, bytes.length - o);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    return fail(e);
  }
  try {
    const dir = openSync(dirname(path), 'r'); // make the rename itself durable where the OS allows
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    /* directories cannot be fsynced everywhere (Windows); the rename is still atomic */
  }
}
