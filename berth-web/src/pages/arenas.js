// placeholder: replaced by the page's module
import { h, fill } from '../dom.js';

export function mount(el) {
  fill(el, h('h1', {}, 'arenas'));
}
