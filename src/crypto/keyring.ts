// The keys that seal data keys, held by Coffer itself: the SSE-S3 master keys and the named SSE-KMS
// keys. Each sits behind an interface (MasterKeys, KmsKeyStore) so that a real KMS (Vault transit,
// AWS KMS, KES) can take a role later without the engine changing: KmsKeyStore has the shape of
// their APIs (GenerateDataKey, Decrypt, CreateKey, ListKeys).
//
// Keys come from COFFER_MASTER_KEY / COFFER_KMS_KEYS, and from a key file in the data directory
// (mode 0600), made on first start: it holds the generated master keys (when COFFER_MASTER_KEY is
// not set), the keys made with `coffer admin kms create`, and the default key `aws/s3` that
// SSE-KMS uses when a request names none. Rotating the master key adds a key and makes it the
// current one; the old keys stay, so what they sealed still opens.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { keyFingerprint, newDataKey, seal, unseal } from './envelope.js';

export const KEY_FILE = 'sse-keys.json';

/** The key SSE-KMS uses when a request asks for aws:kms without naming a key, as S3 uses its AWS managed key. */
export const DEFAULT_KMS_KEY_ID = 'aws/s3';

export interface MasterKeys {
  /** The key new objects are sealed with. */
  current(): Promise<{ id: string; key: Buffer }>;
  /** A key by id, old ones included; undefined when there is none. */
  get(id: string): Promise<Buffer | undefined>;
  /** Make a new current key; returns its id. */
  rotate(): Promise<string>;
}

export interface KmsKeyStore {
  /** The id `keyId` names (a bare id, `alias/…` or a key ARN), when the store has such a key. */
  resolve(keyId: string): Promise<string | undefined>;
  /** A new data key under the (resolved) key, sealed with `context` bound to it. */
  generateDataKey(keyId: string, context: string): Promise<{ plaintext: Buffer; sealed: string }>;
  /** The data key `sealed` holds; throws when the key or the context is not the one it was sealed with. */
  decryptDataKey(keyId: string, sealed: string, context: string): Promise<Buffer>;
  createKey(keyId?: string): Promise<string>;
  listKeys(): Promise<string[]>;
}

interface KeyFile {
  version: 1;
  master: { current?: string; keys: Record<string, string> };
  kms: Record<string, string>;
}

export interface KeyringOptions {
  dataDir: string;
  /** COFFER_MASTER_KEY: the current master key first, then older ones still read. */
  masterKeys?: Buffer[];
  /** COFFER_KMS_KEYS: named keys. */
  kmsKeys?: ReadonlyMap<string, Buffer>;
}

/** The key id of a bare id, an `alias/` name or a KMS key ARN (`arn:aws:kms:region:account:key/id`). */
export function bareKeyId(keyId: string): string {
  const m = /^arn:aws[\w-]*:kms:[^:]*:[^:]*:(?:key|alias)\/(.+)$/.exec(keyId);
  const id = m ? m[1]! : keyId;
  return id.startsWith('alias/') ? id.slice('alias/'.length) : id;
}

/** Key names a file and an environment variable can carry. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9/_.:-]{0,255}$/;

/** Add a new master key to `file` and make it the current one; returns its id. */
function addMaster(file: KeyFile, key: Buffer): string {
  const id = `mk-${keyFingerprint(key)}`;
  file.master.keys[id] = key.toString('base64');
  file.master.current = id;
  return id;
}

/** The local key ring: master keys and KMS keys from the environment and the key file. */
export class LocalKeyring implements MasterKeys, KmsKeyStore {
  private file: KeyFile = { version: 1, master: { keys: {} }, kms: {} };
  private readonly envMaster: Array<{ id: string; key: Buffer }>;
  private readonly envKms: ReadonlyMap<string, Buffer>;
  private readonly path: string;

  private constructor(options: KeyringOptions) {
    this.path = join(options.dataDir, KEY_FILE);
    this.envMaster = (options.masterKeys ?? []).map((key) => ({ id: `env-${keyFingerprint(key)}`, key }));
    this.envKms = options.kmsKeys ?? new Map();
  }

  /** Load the key file, making it (and its first keys) when it is missing. */
  static async open(options: KeyringOptions): Promise<LocalKeyring> {
    const ring = new LocalKeyring(options);
    await ring.reload();
    const needsMaster = (): boolean => ring.envMaster.length === 0 && ring.file.master.current === undefined;
    const needsKms = (): boolean => ring.file.kms[DEFAULT_KMS_KEY_ID] === undefined && !ring.envKms.has(DEFAULT_KMS_KEY_ID);
    if (needsMaster() || needsKms()) {
      await ring.update((file) => {
        // Checked again under the lock: another gateway starting at once may have made them.
        if (ring.envMaster.length === 0 && file.master.current === undefined) addMaster(file, newDataKey());
        if (file.kms[DEFAULT_KMS_KEY_ID] === undefined && !ring.envKms.has(DEFAULT_KMS_KEY_ID)) file.kms[DEFAULT_KMS_KEY_ID] = newDataKey().toString('base64');
      });
    }
    return ring;
  }

  /** Read the key file again (another gateway may have rotated or created a key). */
  private async reload(): Promise<void> {
    this.file = await this.readKeyFile();
  }

  private async readKeyFile(): Promise<KeyFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, master: { keys: {} }, kms: {} };
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<KeyFile>;
    return { version: 1, master: { current: parsed.master?.current, keys: { ...(parsed.master?.keys ?? {}) } }, kms: { ...(parsed.kms ?? {}) } };
  }

  /**
   * Read the key file, change it, write it back, holding the file's lock: two gateways on one data
   * dir that rotate or create keys at once must not lose each other's key (and with it every
   * object sealed by it).
   */
  private async update(change: (file: KeyFile) => void): Promise<void> {
    const lock = `${this.path}.lock`;
    for (let waited = 0; ; waited += 20) {
      try {
        await (await open(lock, 'wx', 0o600)).close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // A lock left by a process that died while holding it: writes take milliseconds.
        const age = await stat(lock).then(
          (st) => Date.now() - st.mtimeMs,
          () => 0,
        );
        if (age > 30_000) await unlink(lock).catch(() => undefined);
        if (waited > 10_000) throw new Error(`the key file lock ${lock} is held`);
        await sleep(20);
      }
    }
    try {
      // Changed on a copy read under the lock: a concurrent reload of this.file cannot undo it.
      const file = await this.readKeyFile();
      change(file);
      await this.save(file);
      this.file = file;
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }

  /** Write the key file whole: a temp file (0600), fsynced, renamed over the old one. */
  private async save(file: KeyFile): Promise<void> {
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(file, null, 2) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
  }

  async current(): Promise<{ id: string; key: Buffer }> {
    const env = this.envMaster[0];
    if (env) return env;
    const id = this.file.master.current!;
    return { id, key: Buffer.from(this.file.master.keys[id]!, 'base64') };
  }

  async get(id: string): Promise<Buffer | undefined> {
    const env = this.envMaster.find((k) => k.id === id);
    if (env) return env.key;
    if (this.file.master.keys[id] === undefined) await this.reload();
    const b64 = this.file.master.keys[id];
    return b64 === undefined ? undefined : Buffer.from(b64, 'base64');
  }

  async rotate(): Promise<string> {
    if (this.envMaster.length > 0) {
      throw new Error('the master key comes from COFFER_MASTER_KEY: rotate it there, with the new key first and the old ones after it');
    }
    let id = '';
    await this.update((file) => {
      id = addMaster(file, newDataKey());
    });
    return id;
  }

  private async kmsKey(keyId: string): Promise<Buffer | undefined> {
    const env = this.envKms.get(keyId);
    if (env) return env;
    if (this.file.kms[keyId] === undefined) await this.reload();
    const b64 = this.file.kms[keyId];
    return b64 === undefined ? undefined : Buffer.from(b64, 'base64');
  }

  async resolve(keyId: string): Promise<string | undefined> {
    const id = bareKeyId(keyId);
    return (await this.kmsKey(id)) ? id : undefined;
  }

  async generateDataKey(keyId: string, context: string): Promise<{ plaintext: Buffer; sealed: string }> {
    const kek = await this.kmsKey(keyId);
    if (!kek) throw new Error(`no KMS key ${keyId}`);
    const plaintext = newDataKey();
    return { plaintext, sealed: seal(kek, plaintext, `aws:kms\n${keyId}\n${context}`) };
  }

  async decryptDataKey(keyId: string, sealed: string, context: string): Promise<Buffer> {
    const kek = await this.kmsKey(keyId);
    if (!kek) throw new Error(`the KMS key ${keyId} that sealed this object's key is gone`);
    const key = unseal(kek, sealed, `aws:kms\n${keyId}\n${context}`);
    if (!key) throw new Error(`the data key sealed under KMS key ${keyId} does not open`);
    return key;
  }

  async createKey(keyId?: string): Promise<string> {
    const id =
      keyId ??
      randomBytes(16)
        .toString('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    if (!KEY_NAME.test(id)) throw new Error(`a key id is 1-256 letters, digits and / _ . : -, got '${id}'`);
    await this.update((file) => {
      if (this.envKms.has(id) || file.kms[id] !== undefined) throw new Error(`a KMS key ${id} exists already`);
      file.kms[id] = newDataKey().toString('base64');
    });
    return id;
  }

  async listKeys(): Promise<string[]> {
    await this.reload();
    return [...new Set([...this.envKms.keys(), ...Object.keys(this.file.kms)])].sort();
  }

  /** Master key ids, current first. */
  masterKeyIds(): string[] {
    const ids = [...this.envMaster.map((k) => k.id), ...Object.keys(this.file.master.keys)];
    const current = this.envMaster[0]?.id ?? this.file.master.current;
    return [...new Set([...(current ? [current] : []), ...ids])];
  }
}
