// Keyboard shortcuts of the webmail (c, r, a, f, #, j, k, /, u, ?), sent to the page's .NET side; nothing when a
// modifier is held or the key goes to something being typed in (a field, the editor, an open menu or dialog).
const keys = new Set(['c', 'r', 'a', 'f', '#', 'j', 'k', '/', 'u', '?']);
let current = null;

function typing(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  if (target.closest('input, textarea, select, [contenteditable="true"], .rz-dialog, .rz-popup, .rz-context-menu')) return true;
  return false;
}

function onKey(e) {
  if (!current || e.ctrlKey || e.metaKey || e.altKey || !keys.has(e.key) || typing(e.target)) return;
  if (document.querySelector('.rz-dialog-wrapper')) return;
  e.preventDefault();
  if (e.key === '/') {
    const search = document.getElementById('search-text');
    if (search) { search.focus(); search.select(); }
    return;
  }
  current.invokeMethodAsync('Shortcut', e.key);
}

export function start(page) {
  current = page;
  document.addEventListener('keydown', onKey);
}

export function stop() {
  current = null;
  document.removeEventListener('keydown', onKey);
}

// Keeps the open row in view after j/k moved to it.
export function showOpenRow() {
  const row = document.querySelector('.message-row.open');
  if (row) row.scrollIntoView({ block: 'nearest' });
}
