/**
 * The portal's only script, inline with the response's nonce: copy buttons, Test connection
 * without a reload, and the status that turns green when the IdP's first request arrives.
 * Every page works without it (forms post, links navigate). It reads what it needs from data
 * attributes: no server value is ever written inside the script.
 * @module
 */

/** The script (plain ES2020, no build step). */
export const PORTAL_SCRIPT = `(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') || '';
  for (const b of document.querySelectorAll('button[data-copy]')) {
    b.hidden = false;
    b.addEventListener('click', async () => {
      const el = document.getElementById(b.dataset.copy);
      if (!el) return;
      try { await navigator.clipboard.writeText(el.textContent.trim()); } catch { const r = document.createRange(); r.selectNodeContents(el); const s = getSelection(); s.removeAllRanges(); s.addRange(r); document.execCommand('copy'); }
      const label = b.textContent; b.textContent = b.dataset.copied || label; setTimeout(() => { b.textContent = label; }, 1500);
    });
  }
  const live = document.querySelector('[data-live]');
  if (live) {
    const poll = async () => {
      try {
        const r = await fetch(live.dataset.live, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
        if (r.ok) {
          const s = await r.json();
          if (s.state !== live.dataset.state) {
            live.dataset.state = s.state;
            live.textContent = s.label;
            live.className = 'pill ' + (s.tone || '');
          }
          if (s.state !== 'pending') return;
        }
      } catch {}
      setTimeout(poll, 2000);
    };
    if (live.dataset.state === 'pending') setTimeout(poll, 2000);
  }
  const test = document.querySelector('form[data-test]');
  if (test) {
    test.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const out = document.getElementById('test-result');
      const button = test.querySelector('button');
      button.disabled = true; out.hidden = false; out.className = 'note'; out.textContent = test.dataset.running || '';
      try {
        const r = await fetch(test.dataset.test, { method: 'POST', headers: { accept: 'application/json', 'x-csrf-token': csrf }, credentials: 'same-origin' });
        const s = await r.json();
        out.className = 'note ' + (s.ok ? 'ok' : 'bad');
        out.textContent = s.message || s.detail || String(r.status);
      } catch (e) { out.className = 'note bad'; out.textContent = String(e); }
      button.disabled = false;
    });
  }
  for (const f of document.querySelectorAll('form[data-confirm]')) f.addEventListener('submit', (ev) => { if (!confirm(f.dataset.confirm)) ev.preventDefault(); });
})();`;
