import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadProfile, saveProfile } from './profiles';

describe('profiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-profiles-'));
    await fs.writeFile(path.join(dir, 'profiles.json'), JSON.stringify({ short: { k: 1 }, collections: { kb: { tuned: { k1: '0.9' } } } }));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds a collection profile, a global one and a built-in one', async () => {
    expect(await loadProfile(dir, 'tuned', 'kb')).toEqual({ k1: '0.9' });
    expect(await loadProfile(dir, 'short', 'kb')).toEqual({ k: '1' });
    expect(await loadProfile(dir, 'precise', 'kb')).toEqual({ expand: 'false', k: '20' });
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'treats the Object.prototype key "%s" as an unknown profile or collection',
    async (name) => {
      await expect(loadProfile(dir, name, 'kb')).rejects.toThrow(`unknown profile "${name}"`);
      await expect(loadProfile(dir, name)).rejects.toThrow(`unknown profile "${name}"`);
      await expect(loadProfile(undefined, name)).rejects.toThrow(`unknown profile "${name}"`);
      // a collection named like a prototype key has no profiles of its own
      await expect(loadProfile(dir, 'tuned', name)).rejects.toThrow('unknown profile "tuned"');
    },
  );

  it('saves a profile of a new collection beside the others', async () => {
    await saveProfile(dir, 'constructor', 'mine', { k: '3' });
    expect(await loadProfile(dir, 'mine', 'constructor')).toEqual({ k: '3' });
    expect(await loadProfile(dir, 'tuned', 'kb')).toEqual({ k1: '0.9' });
  });
});
