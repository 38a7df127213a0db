import { el, replace } from './dom.js';
import type { ParamSpec, QueryParams } from './types.js';

type Values = Partial<Record<keyof QueryParams, unknown>>;

/** Where a parameter's effective value comes from, lowest layer first. */
type Source = 'engine' | 'collection' | 'profile' | 'yours';

/** A value as the API takes it (`key=value` strings): lists comma-separated. */
export function asParamString(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value ?? '');
}

/**
 * The parameter panel: every frontend parameter with its effective value and where it comes from (engine default
 * < collection default < profile < yours). Changing a field records it as yours and calls `changed` at once.
 */
export class ParamPanel {
  private specs: ParamSpec[] = [];
  private collectionDefaults: Values = {};
  private profile: Record<string, string> = {};
  /** The user's own values (strings, as sent in `params`). */
  readonly overrides = new Map<string, string>();
  private effective: Values = {};

  constructor(
    private readonly target: HTMLElement,
    private readonly changed: () => void,
  ) {}

  /** A new collection: its parameters and defaults; the user's values are kept when still valid names. */
  setCollection(specs: ParamSpec[], defaults: Values): void {
    this.specs = specs;
    this.collectionDefaults = defaults;
    for (const name of [...this.overrides.keys()]) if (!specs.some((s) => s.name === name)) this.overrides.delete(name);
    this.effective = this.layered();
    this.render();
  }

  setProfile(values: Record<string, string>): void {
    this.profile = values;
    this.effective = this.layered();
    this.render();
  }

  /** The effective values of an answer (`answer.params`): what the server used. */
  showEffective(params: Values): void {
    this.effective = { ...params };
    this.render();
  }

  /** Forgets the user's values. */
  reset(): void {
    this.overrides.clear();
    this.effective = this.layered();
    this.render();
  }

  /** The values a profile saved now would hold: the chosen profile's, with the user's on top. */
  profileValues(): Record<string, string> {
    return { ...this.profile, ...Object.fromEntries(this.overrides) };
  }

  private layered(): Values {
    const out: Values = {};
    for (const s of this.specs) out[s.name] = s.default;
    Object.assign(out, this.collectionDefaults, this.profile, Object.fromEntries(this.overrides));
    return out;
  }

  private sourceOf(name: string): Source {
    if (this.overrides.has(name)) return 'yours';
    if (Object.hasOwn(this.profile, name)) return 'profile';
    if (Object.hasOwn(this.collectionDefaults, name)) return 'collection';
    return 'engine';
  }

  private input(spec: ParamSpec, id: string, helpId: string): HTMLInputElement | HTMLSelectElement {
    const value = this.effective[spec.name];
    const common = { id, name: spec.name, 'aria-describedby': helpId };
    let field: HTMLInputElement | HTMLSelectElement;
    if (spec.kind === 'bool') {
      field = el('input', { ...common, type: 'checkbox' });
      field.checked = value === true || value === 'true';
    } else if (spec.kind === 'enum') {
      field = el('select', common, ...(spec.options ?? []).map((o) => el('option', { value: o }, o)));
      field.value = asParamString(value);
    } else if (spec.kind === 'int' || spec.kind === 'num') {
      field = el('input', {
        ...common,
        type: 'number',
        step: spec.kind === 'int' ? '1' : 'any',
        min: spec.min !== undefined ? String(spec.min) : undefined,
        max: spec.max !== undefined ? String(spec.max) : undefined,
        inputmode: spec.kind === 'int' ? 'numeric' : 'decimal',
      });
      field.value = asParamString(value);
    } else {
      field = el('input', { ...common, type: 'text', placeholder: spec.kind === 'list' ? 'comma-separated' : '' });
      field.value = asParamString(value);
    }
    field.addEventListener('change', () => {
      const next = field instanceof HTMLInputElement && field.type === 'checkbox' ? String(field.checked) : field.value.trim();
      if (field instanceof HTMLInputElement && field.type === 'number' && (next === '' || !field.checkValidity())) {
        field.setAttribute('aria-invalid', 'true');
        return;
      }
      field.removeAttribute('aria-invalid');
      this.overrides.delete(spec.name);
      const base = asParamString(this.layered()[spec.name]);
      if (next !== base) this.overrides.set(spec.name, next);
      this.effective = { ...this.effective, [spec.name]: next };
      this.changed();
    });
    return field;
  }

  private render(): void {
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
    const rows = this.specs.map((spec) => {
      const id = `param-${spec.name}`;
      const helpId = `${id}-help`;
      const source = this.sourceOf(spec.name);
      const range = spec.min !== undefined && spec.max !== undefined ? ` (${spec.min}–${spec.max})` : spec.options ? ` (${spec.options.join(', ')})` : '';
      return el(
        'div',
        { class: `param param-${source}` },
        el('label', { for: id }, spec.name),
        this.input(spec, id, helpId),
        el('p', { id: helpId, class: 'help' }, `${spec.help}${range}; default ${asParamString(spec.default) || '(none)'}`, el('span', { class: 'source' }, ` · ${source}`)),
      );
    });
    replace(this.target, ...rows);
    if (focused) document.getElementById(focused)?.focus();
  }
}
