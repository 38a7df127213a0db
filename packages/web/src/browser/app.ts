import { api, ApiError, collectionPath, storedKey, storeKey } from './api.js';
import { byId, el, replace } from './dom.js';
import { asParamString, ParamPanel } from './panel.js';
import { renderAnswer } from './render.js';
import type { CollectionAnswer, CollectionList, ParamView, ProfileList } from './types.js';

/** The page: ask a collection, read the cited answer, tune the parameters (each change asks again at once). */

const collectionSelect = byId<HTMLSelectElement>('collection');
const askForm = byId<HTMLFormElement>('ask-form');
const promptInput = byId<HTMLInputElement>('prompt');
const status = byId<HTMLParagraphElement>('status');
const announce = byId<HTMLDivElement>('announce');
const answerBox = byId<HTMLElement>('answer');
const keyToggle = byId<HTMLButtonElement>('key-toggle');
const keyForm = byId<HTMLFormElement>('key-form');
const keyInput = byId<HTMLInputElement>('key');
const keyNote = byId<HTMLParagraphElement>('key-note');
const keyForget = byId<HTMLButtonElement>('key-forget');
const profileSelect = byId<HTMLSelectElement>('profile');
const profileForm = byId<HTMLFormElement>('profile-form');
const profileName = byId<HTMLInputElement>('profile-name');
const resetButton = byId<HTMLButtonElement>('params-reset');

let profiles: Record<string, Record<string, string>> = {};
/** The collections and their settings being loaded: a prompt sent meanwhile is asked once they are. */
let loading: Promise<void> = Promise.resolve();
let asked = 0;
let lastPrompt = '';
const panel = new ParamPanel(byId('params'), () => void ask(lastPrompt));

function say(message: string, kind: 'info' | 'error' = 'info'): void {
  status.textContent = message;
  status.className = kind === 'error' ? 'status error' : 'status';
}

function showKeyForm(open: boolean, note = ''): void {
  keyForm.hidden = !open;
  keyToggle.setAttribute('aria-expanded', String(open));
  keyNote.textContent = note;
  if (open) keyInput.focus();
}

/** Reports an API failure: a 401 opens the key form (the page needs a key or a tenant token). */
function failed(err: unknown, what: string): void {
  if (err instanceof ApiError && err.status === 401) {
    say(`${what}: this server needs an API key or a tenant token.`, 'error');
    showKeyForm(true, storedKey() ? `The key was refused: ${err.message}` : 'Paste an API key (lxk_…) or a tenant token; it is kept for this tab only.');
  } else {
    say(`${what}: ${err instanceof Error ? err.message : String(err)}`, 'error');
  }
}

function currentCollection(): string {
  return collectionSelect.value;
}

async function loadCollection(collection: string): Promise<void> {
  const [view, list] = await Promise.all([
    api<ParamView>('GET', collectionPath(collection, '/params')),
    api<ProfileList>('GET', collectionPath(collection, '/profiles')),
  ]);
  profiles = list.profiles;
  const chosen = profileSelect.value;
  replace(profileSelect, el('option', { value: '' }, '(none)'), ...Object.keys(profiles).sort().map((name) => el('option', { value: name }, name)));
  profileSelect.value = Object.hasOwn(profiles, chosen) ? chosen : '';
  panel.setCollection(view.params, view.defaults);
  panel.setProfile(profiles[profileSelect.value] ?? {});
}

async function start(): Promise<void> {
  say('Loading collections…');
  let list: CollectionList;
  try {
    list = await api<CollectionList>('GET', 'v1/collections');
  } catch (err) {
    failed(err, 'Loading the collections');
    return;
  }
  const wanted = new URLSearchParams(location.search).get('collection') ?? collectionSelect.value;
  replace(collectionSelect, ...list.collections.map((c) => el('option', { value: c.collection }, `${c.collection} (v${c.version})`)));
  if (list.collections.length === 0) {
    say('No collection is served yet: ingest one first (lexigraph ingest, or the ingest API).', 'error');
    return;
  }
  if (list.collections.some((c) => c.collection === wanted)) collectionSelect.value = wanted;
  try {
    await loadCollection(currentCollection());
  } catch (err) {
    failed(err, `Loading ${currentCollection()}`);
    return;
  }
  say('Ready. Type a prompt and press Enter.');
  const q = new URLSearchParams(location.search).get('q');
  if (q && !lastPrompt) {
    promptInput.value = q;
    void ask(q);
  }
}

/** Loads the collections (again, after a key is given); prompts wait for it. */
function load(): void {
  loading = start();
}

/** Asks `prompt` with the chosen profile and the user's values; an older answer arriving late is dropped. */
async function ask(prompt: string, explainId?: string): Promise<void> {
  const text = prompt.trim();
  if (!text) return;
  await loading;
  if (!currentCollection()) return;
  lastPrompt = text;
  promptInput.value = text;
  const mine = ++asked;
  say(`Asking “${text}”…`);
  answerBox.setAttribute('aria-busy', 'true');
  const body = {
    prompt: text,
    params: Object.fromEntries(panel.overrides),
    ...(profileSelect.value ? { profile: profileSelect.value } : {}),
  };
  try {
    const answer = await api<CollectionAnswer>('POST', collectionPath(currentCollection(), '/query'), body);
    if (mine !== asked) return;
    renderAnswer(answerBox, answer, actions, explainId);
    panel.showEffective(answer.params);
    const n = answer.results.length;
    say(answer.noAnswer ? 'No answer.' : `${n} result${n === 1 ? '' : 's'}.`);
    announce.textContent = answer.noAnswer
      ? `No answer: ${answer.noAnswer.reason}`
      : `Answer: ${answer.summary.map((s) => s.sentence).join(' ') || `${n} results, no summary`}`;
    if (explainId) document.getElementById(`why-${answer.results.findIndex((r) => r.id === explainId) + 1}`)?.focus();
  } catch (err) {
    if (mine === asked) failed(err, 'Asking');
  } finally {
    if (mine === asked) answerBox.removeAttribute('aria-busy');
  }
}

const actions = {
  ask: (prompt: string) => {
    void ask(prompt);
    promptInput.focus();
  },
  filterCategory: (path: string) => {
    panel.overrides.set('category', path);
    void ask(lastPrompt);
  },
  explain: (id: string) => {
    panel.overrides.set('explain', 'true');
    void ask(lastPrompt, id);
  },
};

askForm.addEventListener('submit', (e) => {
  e.preventDefault();
  void ask(promptInput.value);
});

collectionSelect.addEventListener('change', () => {
  void loadCollection(currentCollection()).then(
    () => ask(lastPrompt),
    (err: unknown) => failed(err, `Loading ${currentCollection()}`),
  );
});

profileSelect.addEventListener('change', () => {
  panel.setProfile(profiles[profileSelect.value] ?? {});
  void ask(lastPrompt);
});

resetButton.addEventListener('click', () => {
  panel.reset();
  void ask(lastPrompt);
});

profileForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const name = profileName.value.trim();
  if (!name) return;
  const values = panel.profileValues();
  api<{ name: string }>('PUT', collectionPath(currentCollection(), `/profiles/${encodeURIComponent(name)}`), { params: values }).then(
    async (saved) => {
      panel.overrides.clear();
      profileSelect.value = '';
      await loadCollection(currentCollection());
      profileSelect.value = saved.name;
      panel.setProfile(profiles[saved.name] ?? {});
      profileName.value = '';
      await ask(lastPrompt);
      const list = Object.entries(values).map(([k, v]) => `${k}=${asParamString(v)}`).join(', ');
      say(`Saved profile “${saved.name}”${list ? ` (${list})` : ''}.`);
    },
    (err: unknown) => failed(err, 'Saving the profile'),
  );
});

keyToggle.addEventListener('click', () => showKeyForm(keyForm.hidden));

keyForm.addEventListener('submit', (e) => {
  e.preventDefault();
  storeKey(keyInput.value);
  keyInput.value = '';
  showKeyForm(false);
  load();
});

keyForget.addEventListener('click', () => {
  storeKey('');
  keyInput.value = '';
  keyNote.textContent = 'The key is forgotten.';
});

load();
