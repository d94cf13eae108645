// What a drop on the page holds: files as they are, and folders walked for every file inside,
// each with its path relative to the dropped folder's parent (so `photos/2024/a.jpg` lands under
// the current prefix as `photos/2024/a.jpg`). DataTransfer.files lists a dropped folder as one
// unreadable entry; its items' webkitGetAsEntry() gives FileSystemEntry objects that Chromium,
// Firefox and Safari all implement.
// https://developer.mozilla.org/en-US/docs/Web/API/DataTransferItem/webkitGetAsEntry
import type { UploadSource } from './upload.js';

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Every file under `dir`; readEntries answers a batch at a time (100 in Chromium) until an empty one. */
async function walk(dir: FileSystemDirectoryEntry, out: UploadSource[]): Promise<void> {
  const reader = dir.createReader();
  for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
    for (const entry of batch) {
      if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, out);
      else if (entry.isFile) out.push({ file: await fileOf(entry as FileSystemFileEntry), path: entry.fullPath.replace(/^\/+/, '') });
    }
  }
}

/**
 * The files of a drop. Call it inside the drop event's handler: a DataTransfer's items can be
 * read only while the event is dispatched, so they are taken at once and folders walked after.
 */
export function droppedFiles(dt: DataTransfer | null): Promise<UploadSource[]> {
  if (!dt) return Promise.resolve([]);
  const items = Array.from(dt.items ?? []).filter((i) => i.kind === 'file');
  if (items.length === 0) return Promise.resolve(Array.from(dt.files).map((file) => ({ file, path: file.name })));
  // A plain file is taken as the File itself (its type is the browser's); only folders need entries.
  const taken = items.map((i) => ({ entry: i.webkitGetAsEntry?.() ?? null, file: i.getAsFile() }));
  return (async () => {
    const out: UploadSource[] = [];
    for (const { entry, file } of taken) {
      if (entry?.isDirectory) await walk(entry as FileSystemDirectoryEntry, out);
      else if (file) out.push({ file, path: file.name });
    }
    return out;
  })();
}
