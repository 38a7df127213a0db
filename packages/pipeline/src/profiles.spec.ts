import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { listProfiles, loadProfile, saveProfile, saveProfileRequest } from './profiles';

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

describe('listProfiles and saveProfileRequest', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-profiles-list-'));
    await fs.writeFile(
      path.join(dir, 'profiles.json'),
      JSON.stringify({ short: { k: 1 }, precise: { k: 5 }, collections: { kb: { tuned: { k1: '0.9' }, short: { k: '2' } } } }),
    );
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('lists built-in, global and own profiles, the collection own one winning', async () => {
    const kb = await listProfiles(dir, 'kb');
    expect(kb).toEqual({ default: {}, broad: { expand: 'true' }, precise: { k: '5' }, short: { k: '2' }, tuned: { k1: '0.9' } });
    expect(Object.keys(await listProfiles(dir, 'other')).sort()).toEqual(['broad', 'default', 'precise', 'short']);
    expect(Object.keys(await listProfiles(undefined, 'kb')).sort()).toEqual(['broad', 'default', 'precise']);
  });

  it('saves a profile from a request body and the list shows it', async () => {
    expect(await saveProfileRequest(dir, 'kb', 'wide', { params: { k: 30, expand: true } })).toEqual({
      collection: 'kb',
      name: 'wide',
      values: { k: '30', expand: 'true' },
    });
    expect((await listProfiles(dir, 'kb')).wide).toEqual({ k: '30', expand: 'true' });
  });

  it('refuses a bad name, a bad parameter and a server without a data directory, naming what', async () => {
    await expect(saveProfileRequest(dir, 'kb', '../x', { params: {} })).rejects.toThrow('profile name');
    await expect(saveProfileRequest(dir, 'kb', 'x', { params: { nope: '1' } })).rejects.toThrow('nope');
    await expect(saveProfileRequest(dir, 'kb', 'x', { params: { k: '0' } })).rejects.toThrow('k');
    await expect(saveProfileRequest(undefined, 'kb', 'x', { params: {} })).rejects.toThrow('no data directory');
    expect(Object.keys(await listProfiles(dir, 'kb'))).not.toContain('x');
  });
});
