// @ts-check
// CSM dashboard shell: hash routes to one view module each, the API token, the live flag stream, toasts.
import { ApiError, captureToken, clearToken, followFlags, setToken } from './api.js';
import { renderCalibration } from './calibration.js';
import { FLAG_LABEL, html, render, useEffect, useRef, useState } from './lib.js';
import { Account } from './views/account.js';
import { Portfolio } from './views/portfolio.js';
import { ProductTypes } from './views/product-types.js';

/** @returns {{ path: string[], params: URLSearchParams }} */
function parseHash() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = hash.split('?');
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

/** @param {{ onToken: () => void }} props */
function TokenPrompt({ onToken }) {
  return html`<section class="card narrow"><h2>API token needed</h2>
    <p>This dashboard reads the readiness API with a bearer token. Open the URL printed by <code>npm start</code> (it carries a token), or paste a token from <code>API_TOKENS</code>.</p>
    <form class="stack" onSubmit=${(/** @type {any} */ e) => {
      e.preventDefault();
      const value = new FormData(e.currentTarget).get('token');
      if (value) setToken(String(value).trim());
      onToken();
    }}><label>Token <input name="token" type="password" autocomplete="off" required /></label><button type="submit" class="primary">Use token</button></form></section>`;
}

/** The calibration page draws its own DOM (calibration.js) into this element. @param {{ onError: (e: unknown) => void }} props */
function Calibration({ onError }) {
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));
  useEffect(() => {
    if (!ref.current) return;
    renderCalibration(ref.current).then(() => (document.body.dataset.ready = 'true'), onError);
  }, []);
  return html`<div ref=${ref}></div>`;
}

function App() {
  const [route, setRoute] = useState(parseHash());
  const [asOf, setAsOf] = useState(/** @type {string | null} */ (null));
  const [error, setError] = useState(/** @type {unknown} */ (null));
  const [toast, setToast] = useState(/** @type {string | null} */ (null));
  const [live, setLive] = useState(/** @type {boolean | null} */ (null));
  const [refresh, setRefresh] = useState(0);
  const [tokenEpoch, setTokenEpoch] = useState(0);

  useEffect(() => {
    const onHash = () => {
      setError(null);
      setRoute(parseHash());
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (!toast) return undefined;
    const timer = setTimeout(() => setToast(null), 4000);
    return () => clearTimeout(timer);
  }, [toast]);
  useEffect(() => {
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let pending;
    const stop = followFlags({
      onState: setLive,
      onTransition: (t) => {
        setToast(`${t.account_id} / ${t.product}: ${FLAG_LABEL[t.code] || t.code} ${t.kind}`);
        // Coalesce bursts (a scoring pass emits many transitions) into one refresh.
        clearTimeout(pending);
        pending = setTimeout(() => setRefresh((n) => n + 1), 800);
      },
    });
    return () => {
      clearTimeout(pending);
      stop();
    };
  }, [tokenEpoch]);

  const { path, params } = route;
  // A live refresh re-reads the view in place (`refresh`); a navigation or a new token mounts it afresh (`key`).
  const common = { setAsOf, onError: setError, refresh, key: `${location.hash}|${tokenEpoch}` };
  let view;
  if (error instanceof ApiError && error.status === 401) view = html`<${TokenPrompt} onToken=${() => { setError(null); setTokenEpoch((n) => n + 1); }} />`;
  else if (error) view = html`<div class="card"><div class="error-box" role="alert">Could not load: ${error instanceof Error ? error.message : String(error)}</div></div>`;
  else if (path[0] === 'accounts' && path.length === 3) view = html`<${Account} ...${common} account=${path[1]} product=${path[2]} toast=${setToast} reload=${() => setRefresh((n) => n + 1)} />`;
  else if (path[0] === 'product-types') view = html`<${ProductTypes} ...${common} />`;
  else if (path[0] === 'calibration') view = html`<${Calibration} ...${common} />`;
  else view = html`<${Portfolio} ...${common} params=${params} />`;
  const nav = path[0] === 'product-types' || path[0] === 'calibration' ? path[0] : path[0] === 'accounts' ? '' : 'portfolio';

  return html`
    <header class="topbar">
      <div class="brand"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">Onboarding readiness</span></div>
      <nav class="tabs" aria-label="Views">
        <a href="#/" data-nav="portfolio" class=${nav === 'portfolio' ? 'active' : ''} aria-current=${nav === 'portfolio' ? 'page' : undefined}>Portfolio</a>
        <a href="#/product-types" data-nav="product-types" class=${nav === 'product-types' ? 'active' : ''} aria-current=${nav === 'product-types' ? 'page' : undefined}>Product types</a>
        <a href="#/calibration" data-nav="calibration" class=${nav === 'calibration' ? 'active' : ''} aria-current=${nav === 'calibration' ? 'page' : undefined}>Calibration</a>
      </nav>
      <div class="topbar-right">
        <span id="as-of" class="muted">${asOf ? `scored as of ${asOf}` : ''}</span>
        <button type="button" id="live" class=${`live ${live === null ? '' : live ? 'on' : 'off'}`} title="Live flag transitions (Server-Sent Events); double-click to change the token"
          onDblClick=${() => { clearToken(); setError(new ApiError(401, undefined)); }}>
          <span class="dot"></span><span class="live-text">${live === null ? 'connecting' : live ? 'live' : 'reconnecting'}</span></button>
      </div>
    </header>
    ${toast ? html`<div id="toast" class="toast" role="status" aria-live="polite">${toast}</div>` : html`<div id="toast" class="toast" role="status" aria-live="polite" hidden></div>`}
    <main id="view">${view}</main>`;
}

captureToken();
const root = document.getElementById('root');
if (root) render(html`<${App} />`, root);
