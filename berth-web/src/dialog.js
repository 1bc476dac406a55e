// A modal <dialog> with a form: the browser gives it focus trapping, Escape and labelled fields.
import { h, fill, alertOf } from './dom.js';

/**
 * Opens a dialog titled `title` with `fields` (elements) and a submit button named `action`;
 * `onSubmit(form)` may throw an ApiError, shown in the dialog, which then stays open.
 */
export function formDialog(title, fields, action, onSubmit) {
  const problem = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, action);
  const form = h('form', { method: 'dialog' },
    h('h2', {}, title), ...fields, problem,
    h('div', { class: 'buttons' }, submit, h('button', { type: 'button', class: 'quiet', onclick: () => dialog.close() }, 'Cancel')));
  const dialog = h('dialog', { 'aria-label': title }, form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    fill(problem);
    try {
      await onSubmit(form);
      dialog.close();
    } catch (err) {
      fill(problem, alertOf(err));
    } finally {
      submit.disabled = false;
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  const first = form.querySelector('input, select, button');
  if (first) first.focus();
  return dialog;
}

/** A labelled input: label text, then the input (its id derived from the label unless given). */
export function field(label, attrs = {}) {
  const id = attrs.id || 'f-' + label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, ...attrs }));
}
