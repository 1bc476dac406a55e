// Sign-in with a token: the server checks it and sets the berth_token cookie (docs/web.md).
import { api } from '../api.js';
import { h, fill, alertOf } from '../dom.js';

export function mount(el, ctx) {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'current-password', required: true,
    spellcheck: 'false', placeholder: 'berth_t_… or a JWT' });
  const problem = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Log in');
  const form = h('form', { class: 'login', onsubmit: submit },
    h('h1', {}, 'Berth'),
    h('label', { for: 'token' }, 'Token'),
    input,
    h('p', { class: 'hint' }, 'The admin token is in DATA/admin.token; ', h('code', {}, 'berth token create'),
      ' makes others; an OIDC ID token works too when the server has an issuer.'),
    button,
    problem);
  fill(el, form);
  input.focus();
  // back from the provider with a refusal: say why
  if (ctx.query.get('error')) {
    fill(problem, alertOf({ code: ctx.query.get('error'), message: ctx.query.get('message') || '' }));
  }
  api('/v1/web/config').then((config) => {
    if (!config.oidcLogin) return;
    const next = ctx.query.get('next') || '/';
    form.insertBefore(h('p', { class: 'oidc' },
      h('a', { href: '/v1/web/oidc/login?next=' + encodeURIComponent(next), class: 'button' }, 'Log in with OIDC')), problem);
  }, () => {});

  async function submit(e) {
    e.preventDefault();
    button.disabled = true;
    fill(problem);
    try {
      const who = await api('/v1/web/login', { method: 'POST', body: { token: input.value.trim() } });
      ctx.signedIn(who);
      const next = ctx.query.get('next');
      const safe = next && next.startsWith('/') && !next.startsWith('//') ? next : null;
      ctx.navigate(safe || (who.role === 'auditor' ? '/audit' : '/'), { replace: true });
    } catch (err) {
      fill(problem, alertOf(err));
      input.select();
    } finally {
      button.disabled = false;
    }
  }
}
