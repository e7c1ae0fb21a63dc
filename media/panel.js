// PR status panel script: sends typed requests ({req, command, args}) to the host and patches the state it pushes into
// the page in place (keyed elements kept), so focus, selection, scroll and opened groups survive every poll.
// @ts-check
/** @typedef {import('../src/extension/model/panel-protocol').PanelRequests} PanelRequests */
/**
 * A request as the page sends it: the command is the `data-command` the host rendered, and the host checks every
 * request it receives (parsePanelRequest) before acting on it.
 * @typedef {{ req: number; command: string; args?: PanelRequests['openLink']['args'] | PanelRequests['selectRepository']['args'] | PanelRequests['choosePullRequest']['args'] }} PageRequest
 */
/** @typedef {{ postMessage(message: PageRequest): void }} WebviewApi */
(function () {
  // Provided by VS Code inside webviews; callable once per page.
  const vscode = /** @type {{ acquireVsCodeApi(): WebviewApi }} */ (
    /** @type {unknown} */ (globalThis)
  ).acquireVsCodeApi();
  const root = /** @type {HTMLElement} */ (document.getElementById('crosscheck-root'));
  const errorBox = /** @type {HTMLElement} */ (document.getElementById('crosscheck-error'));
  const announcer = /** @type {HTMLElement} */ (document.getElementById('crosscheck-announcer'));
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

  /** The announcement waiting to be said: a newer one replaces it, so a stale state is never said after a fresh one. */
  let pendingAnnouncement = 0;

  /** Says a change once in the polite live region; the same words again are said again. */
  /** @param {string} text */
  function announce(text) {
    window.clearTimeout(pendingAnnouncement);
    announcer.textContent = '';
    pendingAnnouncement = window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  }

  /** While Re-run runs, it stays focusable but does nothing (aria-disabled): focus never falls to the page. */
  function applyBusy() {
    for (const button of root.querySelectorAll('button[data-command="rerun"]')) {
      if (busy) button.setAttribute('aria-disabled', 'true');
    }
    root.toggleAttribute('data-busy', busy);
  }

  /** @param {Node} node */
  function keyOf(node) {
    return node instanceof Element ? node.getAttribute('data-key') : null;
  }

  /**
   * Whether `old` can be patched into `next` rather than replaced: same kind of node and tag, same key (unkeyed
   * nodes match unkeyed nodes in order).
   * @param {Node} old
   * @param {Node} next
   */
  function sameNode(old, next) {
    if (old.nodeType !== next.nodeType) return false;
    if (!(old instanceof Element) || !(next instanceof Element)) return true;
    return old.tagName === next.tagName && keyOf(old) === keyOf(next);
  }

  /**
   * Copies `next`'s attributes onto `old`. A <details> keeps the open state the user gave it, a radio button its
   * checked state while it has focus.
   * @param {Element} old
   * @param {Element} next
   */
  function patchAttributes(old, next) {
    // The host says which groups start open (data-open); the user's toggle is kept until the host changes its mind.
    if (
      old instanceof HTMLDetailsElement &&
      old.getAttribute('data-open') !== next.getAttribute('data-open')
    ) {
      old.open = next.hasAttribute('open');
    }
    for (const { name } of [...old.attributes]) {
      if (name === 'open' && old instanceof HTMLDetailsElement) continue;
      if (!next.hasAttribute(name)) old.removeAttribute(name);
    }
    for (const { name, value } of [...next.attributes]) {
      if (name === 'open' && old instanceof HTMLDetailsElement) continue;
      if (old.getAttribute(name) !== value) old.setAttribute(name, value);
    }
    if (old instanceof HTMLInputElement && next instanceof HTMLInputElement) {
      if (old !== document.activeElement) old.checked = next.hasAttribute('checked');
    }
    if (old instanceof HTMLOptionElement && next instanceof HTMLOptionElement) {
      old.selected = next.hasAttribute('selected');
    }
  }

  /**
   * Patches the children of `parent` to be those of `next`: keyed children are matched by key wherever they are,
   * the others in order; matched nodes are kept (and moved only when their place changed), the rest added or removed.
   * @param {Node} parent
   * @param {Node} next
   */
  function patchChildren(parent, next) {
    const old = [...parent.childNodes];
    /** @type {Map<string, Node>} */
    const keyed = new Map();
    /** @type {Node[]} */
    const unkeyed = [];
    for (const node of old) {
      const key = keyOf(node);
      if (key !== null) keyed.set(key, node);
      else unkeyed.push(node);
    }
    /** @type {Set<Node>} */
    const used = new Set();
    let cursor = 0;
    const wanted = [...next.childNodes];
    const placed = wanted.map((node) => {
      const key = keyOf(node);
      const candidate = key !== null ? keyed.get(key) : unkeyed[cursor];
      if (candidate && !used.has(candidate) && sameNode(candidate, node)) {
        if (key === null) cursor++;
        used.add(candidate);
        patch(candidate, node);
        return candidate;
      }
      return node;
    });
    for (const node of old) if (!used.has(node)) parent.removeChild(node);
    placed.forEach((node, index) => {
      const current = parent.childNodes[index] ?? null;
      if (current !== node) parent.insertBefore(node, current);
    });
  }

  /**
   * @param {Node} old
   * @param {Node} next
   */
  function patch(old, next) {
    if (old instanceof Element && next instanceof Element) {
      patchAttributes(old, next);
      patchChildren(old, next);
    } else if (old.nodeValue !== next.nodeValue) {
      old.nodeValue = next.nodeValue;
    }
  }

  /** @param {string} html */
  function render(html) {
    const focused = document.activeElement;
    const template = document.createElement('template');
    // The host renders the body and escapes every string from Bitbucket; the CSP forbids inline scripts and handlers.
    template.innerHTML = html;
    patchChildren(root, template.content);
    // A focused element that had to move is focused again; one that is gone leaves focus on its section's first control.
    if (focused instanceof HTMLElement && focused !== document.body && document.activeElement !== focused) {
      if (focused.isConnected) focused.focus();
    }
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
      render(message.html);
      busy = message.busy === true;
      applyBusy();
      if (typeof message.announce === 'string' && message.announce) announce(message.announce);
    }
  });

  /**
   * @param {string} command
   * @param {PageRequest['args']} args
   * @param {HTMLElement | undefined} control
   */
  function send(command, args, control) {
    showError(undefined);
    if (control) control.setAttribute('aria-disabled', 'true');
    request(command, args)
      .catch((error) => showError(error instanceof Error ? error.message : String(error)))
      .finally(() => {
        // The next state push says whether Re-run may be used again; other controls come back at once.
        if (control && control.isConnected && !(busy && command === 'rerun'))
          control.removeAttribute('aria-disabled');
      });
  }

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-command]') : null;
    if (!target || target instanceof HTMLSelectElement || target instanceof HTMLInputElement) return;
    event.preventDefault();
    if (target.getAttribute('aria-disabled') === 'true' || target.hasAttribute('disabled')) return;
    const command = target.getAttribute('data-command') || '';
    const args = command === 'openLink' ? { link: Number(target.getAttribute('data-link')) } : undefined;
    send(command, args, target instanceof HTMLButtonElement ? target : undefined);
  });

  document.addEventListener('change', (event) => {
    const target = event.target;
    if (target instanceof HTMLSelectElement && target.getAttribute('data-command') === 'selectRepository') {
      send('selectRepository', { index: Number(target.value) }, undefined);
    } else if (
      target instanceof HTMLInputElement &&
      target.getAttribute('data-command') === 'choosePullRequest'
    ) {
      send('choosePullRequest', { id: Number(target.value) }, undefined);
    }
  });

  request('ready').catch((error) => showError(String(error)));
})();
