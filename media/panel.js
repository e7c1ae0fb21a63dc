// PR status panel script: sends typed requests ({req, command, args}) to the host and swaps in the state it pushes.
// @ts-check
/** @typedef {import('../src/extension/model/panel-protocol').PanelRequests} PanelRequests */
/**
 * A request as the page sends it: the command is the `data-command` the host rendered, and the host checks every
 * request it receives (parsePanelRequest) before acting on it.
 * @typedef {{ req: number; command: string; args?: PanelRequests['openLink']['args'] }} PageRequest
 */
/** @typedef {{ postMessage(message: PageRequest): void }} WebviewApi */
(function () {
  // Provided by VS Code inside webviews; callable once per page.
  const vscode = /** @type {{ acquireVsCodeApi(): WebviewApi }} */ (
    /** @type {unknown} */ (globalThis)
  ).acquireVsCodeApi();
  const root = /** @type {HTMLElement} */ (document.getElementById('crosscheck-root'));
  const errorBox = /** @type {HTMLElement} */ (document.getElementById('crosscheck-error'));
  /** @type {Map<number, {resolve: (value: unknown) => void, reject: (error: Error) => void}>} */
  const pending = new Map();
  let nextRequest = 1;
  let busy = false;

  /**
   * @param {string} command
   * @param {PageRequest['args']} [args]
   * @returns {Promise<unknown>}
   */
  function request(command, args) {
    const req = nextRequest++;
    return new Promise((resolve, reject) => {
      pending.set(req, { resolve, reject });
      vscode.postMessage(args === undefined ? { req, command } : { req, command, args });
    });
  }

  /** @param {string | undefined} message */
  function showError(message) {
    errorBox.textContent = message || '';
    errorBox.hidden = !message;
  }

  function applyBusy() {
    for (const button of root.querySelectorAll('button[data-command="rerun"]')) {
      if (busy) button.setAttribute('disabled', '');
    }
    root.toggleAttribute('data-busy', busy);
  }

  window.addEventListener('message', (event) => {
    /** @type {unknown} */
    const data = event.data;
    if (!data || typeof data !== 'object') return;
    const message = /** @type {Record<string, unknown>} */ (data);
    if (typeof message.seq === 'number') {
      const waiting = pending.get(message.seq);
      if (!waiting) return;
      pending.delete(message.seq);
      if (typeof message.err === 'string') waiting.reject(new Error(message.err));
      else waiting.resolve(message.res);
      return;
    }
    if (message.type === 'state' && typeof message.html === 'string') {
      // The host renders the body and escapes every string from Bitbucket; the CSP forbids inline scripts and handlers.
      root.innerHTML = message.html;
      busy = message.busy === true;
      applyBusy();
    }
  });

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-command]') : null;
    if (!target || target.hasAttribute('disabled')) return;
    event.preventDefault();
    const command = target.getAttribute('data-command') || '';
    const args = command === 'openLink' ? { link: Number(target.getAttribute('data-link')) } : undefined;
    const button = target instanceof HTMLButtonElement ? target : undefined;
    if (button) button.disabled = true;
    showError(undefined);
    request(command, args)
      .catch((error) => showError(error instanceof Error ? error.message : String(error)))
      .finally(() => {
        if (button && button.isConnected && !(busy && command === 'rerun')) button.disabled = false;
      });
  });

  request('ready').catch((error) => showError(String(error)));
})();
