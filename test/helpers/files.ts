// The files a Coffer keeps under its data dir, for tests that check what a write, a refusal or a
// crash left on disk.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Every regular file under `dir` (none if it does not exist), sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  await walk(dir);
  return out.sort();
}

export const blobFiles = (dataDir: string): Promise<string[]> => filesUnder(join(dataDir, 'blobs'));
export const tmpFiles = (dataDir: string): Promise<string[]> => filesUnder(join(dataDir, 'tmp'));
/** The blob files of the archive volume (COFFER_ARCHIVE_DIR at its default, beside the data). */
export const archiveFiles = (dataDir: string): Promise<string[]> => filesUnder(join(dataDir, 'archive', 'blobs'));

/** Every blob file and every temp file, to see that a refused body left nothing. */
export async function blobAndTmpFiles(dataDir: string): Promise<string[]> {
  return [...(await blobFiles(dataDir)), ...(await tmpFiles(dataDir))];
}
