/** Flattens a JSON value to `path → value` lines, so two versions compare field by field. */
function flatten(value: unknown, path: string, into: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !(Array.isArray(value) && value.every((item) => typeof item !== 'object'))) {
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
    if (entries.length === 0) into.set(path, Array.isArray(value) ? '[]' : '{}');
    for (const [key, item] of entries) flatten(item, path === '' ? key : `${path}.${key}`, into);
  } else if (value !== undefined) {
    into.set(path === '' ? '(value)' : path, JSON.stringify(value));
  }
  return into;
}

/** The fields a change touched: removed, added and changed, the rest left out. */
export function JsonDiff({ before, after }: { before: unknown; after: unknown }) {
  const old = flatten(before ?? {}, '', new Map());
  const now = flatten(after ?? {}, '', new Map());
  const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
  const changed = paths.filter((path) => old.get(path) !== now.get(path));
  if (before === null || before === undefined) return <p class="muted">Created.</p>;
  if (changed.length === 0) return <p class="muted">No field changed.</p>;
  return (
    <table class="diff">
      <thead>
        <tr>
          <th scope="col">field</th>
          <th scope="col">before</th>
          <th scope="col">after</th>
        </tr>
      </thead>
      <tbody>
        {changed.map((path) => (
          <tr key={path}>
            <th scope="row">
              <code>{path}</code>
            </th>
            <td class="removed">{old.get(path) ?? '—'}</td>
            <td class="added">{now.get(path) ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
