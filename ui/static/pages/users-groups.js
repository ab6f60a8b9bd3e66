// Camera groups (a card of the Users page, admin): create, rename and delete groups such as "Outside"
// and choose their cameras. Every change is saved at once with PUT /api/groups (all groups, all or
// nothing), and the server's sentence is shown when it refuses.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { Field } from '../components/Field.js';
import { get, put } from '../api.js';

function GroupRow({ group, cameras, onSave, onDelete }) {
  const [name, setName] = useState(group.name);
  useEffect(() => setName(group.name), [group.name]);
  const toggle = (id, on) => {
    const want = new Set(group.cameras);
    if (on) want.add(id); else want.delete(id);
    // The grid shows a group's cameras in the camera list's order.
    onSave({ ...group, cameras: cameras.map((c) => c.id).filter((c) => want.has(c)) });
  };
  const rename = (ev) => { ev.preventDefault(); onSave({ ...group, name: name.trim() }); };
  const gid = 'g-' + group.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return html`<li class="group">
    <form class="inline" onSubmit=${rename}>
      <${Field} label=${'Name of group ' + group.name} id=${gid + '-name'} value=${name} onInput=${setName} required maxlength="64" />
      <button type="submit" disabled=${name.trim() === group.name}>Rename</button>
      <button type="button" class="danger" onClick=${() => onDelete(group)}>Delete group ${group.name}</button>
    </form>
    <fieldset class="group-cams"><legend>Cameras in ${group.name}</legend>
      ${cameras.length === 0 && html`<p class="muted">No cameras yet.</p>`}
      ${cameras.map((c) => html`<div class="field check" key=${c.id}>
        <input type="checkbox" id=${gid + '-' + c.id} checked=${group.cameras.includes(c.id)}
          onChange=${(e) => toggle(c.id, e.target.checked)} />
        <label for=${gid + '-' + c.id}>${c.name}<span class="visually-hidden"> in ${group.name}</span></label>
      </div>`)}
    </fieldset>
  </li>`;
}

/** GroupsCard manages the camera groups the live grid offers. */
export function GroupsCard({ cameras }) {
  const [groups, setGroups] = useState(null);
  const [err, setErr] = useState('');
  const [said, setSaid] = useState('');
  const [name, setName] = useState('');
  // The groups as last shown; changes show at once and go to the server one after another (each PUT
  // carries every group), so quick clicks lose none. A refused change puts back what the server holds.
  const [cur] = useState({ groups: null, chain: Promise.resolve() });
  const show = (g) => { cur.groups = g; setGroups(g); };
  useEffect(() => { get('api/groups').then((g) => show(g || []), (e) => setErr(e.message)); }, []);
  const save = (change, what) => {
    setErr(''); setSaid('');
    const next = change(cur.groups);
    show(next);
    const done = cur.chain.then(() => put('api/groups', next)).then(
      () => { setSaid(what); return true; },
      (e) => { setErr(e.message); get('api/groups').then((g) => show(g || []), () => {}); return false; });
    cur.chain = done;
    return done;
  };
  const cams = cameras || [];
  const add = async (ev) => {
    ev.preventDefault();
    const n = name.trim();
    if (await save((gs) => [...gs, { name: n, cameras: [] }], `Group ${n} added: choose its cameras below.`)) setName('');
  };
  const replace = (old) => (g) => save((gs) => gs.map((x) => (x.name === old.name ? g : x)),
    g.name !== old.name ? `Group ${old.name} is now called ${g.name}.` : `Group ${g.name} saved.`);
  const remove = (g) => {
    if (!confirm(`Delete the group ${g.name}? Its cameras stay; only the group goes.`)) return;
    save((gs) => gs.filter((x) => x.name !== g.name), `Group ${g.name} deleted.`);
  };
  return html`<section class="card" aria-labelledby="groups-h">
    <h2 id="groups-h">Camera groups</h2>
    <p class="muted">Groups such as “Outside” let everyone pick a set of cameras on the live grid. A viewer sees a group's cameras only where they may.</p>
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${said && html`<p class="note" role="status">${said}</p>`}
    ${!groups && !err && html`<p class="muted">Loading…</p>`}
    ${groups && groups.length === 0 && html`<p class="muted">No groups yet.</p>`}
    ${groups && html`<ul class="list groups">${groups.map((g) => html`<${GroupRow} key=${g.name} group=${g} cameras=${cams}
      onSave=${replace(g)} onDelete=${remove} />`)}</ul>`}
    ${groups && html`<form class="inline" onSubmit=${add}>
      <${Field} label="New group name" id="new-group-name" value=${name} onInput=${setName} required maxlength="64" />
      <button type="submit">Add group</button>
    </form>`}
  </section>`;
}
