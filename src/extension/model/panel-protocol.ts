// The typed messages between the PR status panel's webview and the extension host, and the host side of the exchange.

/** Requests the webview sends: `{req, command, args}`; each gets exactly one reply. */
export interface PanelRequests {
  /** The page has loaded and listens: the host may now push state. */
  ready: { args: undefined; result: void };
  refresh: { args: undefined; result: void };
  rerun: { args: undefined; result: void };
  signIn: { args: undefined; result: void };
  /** Opens one of the links of the state last pushed, by index (the webview never names a URL itself). */
  openLink: { args: { link: number }; result: void };
  /** Shows another repository of a multi-root window, by its index in the list last pushed. */
  selectRepository: { args: { index: number }; result: void };
  /** Picks the pull request the check runs for, among the open ones from the branch shown. */
  choosePullRequest: { args: { id: number }; result: void };
}

export type PanelCommand = keyof PanelRequests;

export type PanelRequest = {
  [C in PanelCommand]: { req: number; command: C; args: PanelRequests[C]['args'] };
}[PanelCommand];

/** Replies: `{seq, res}` on success, `{seq, err}` with a message for people on failure. */
export type PanelReply = { seq: number; res: null } | { seq: number; err: string };

/** State pushed by the host: the panel body, already rendered and escaped, and whether a command is running. */
export interface PanelStatePush {
  type: 'state';
  html: string;
  busy: boolean;
  /** A change of state to say once in the page's polite live region (absent when nothing changed state). */
  announce?: string;
}

export type HostMessage = PanelReply | PanelStatePush;

const COMMANDS: ReadonlySet<string> = new Set<PanelCommand>([
  'ready',
  'refresh',
  'rerun',
  'signIn',
  'openLink',
  'selectRepository',
  'choosePullRequest',
]);

/** A non-negative safe integer argument, or undefined. */
function indexArg(args: unknown, name: string): number | undefined {
  const value = (args as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Checks a message from the webview; anything malformed is refused (undefined), never half-trusted. */
export function parsePanelRequest(message: unknown): PanelRequest | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { req, command, args } = message as Record<string, unknown>;
  if (typeof req !== 'number' || !Number.isSafeInteger(req) || req < 0) return undefined;
  if (typeof command !== 'string' || !COMMANDS.has(command)) return undefined;
  if (command === 'openLink') {
    const link = indexArg(args, 'link');
    return link === undefined ? undefined : { req, command, args: { link } };
  }
  if (command === 'selectRepository') {
    const index = indexArg(args, 'index');
    return index === undefined ? undefined : { req, command, args: { index } };
  }
  if (command === 'choosePullRequest') {
    const id = indexArg(args, 'id');
    return id === undefined ? undefined : { req, command, args: { id } };
  }
  return { req, command, args: undefined } as PanelRequest;
}

export type PanelHandlers = {
  [C in Exclude<PanelCommand, 'ready'>]: (args: PanelRequests[C]['args']) => Promise<void>;
};

/**
 * The host side of one panel: answers every valid request once, and holds state pushes until the webview said
 * it is ready, so nothing is posted into a page that cannot hear it yet. A page that loads again (a webview is
 * reloaded when it is moved or shown again) says ready again and gets the newest state.
 */
export class PanelSession {
  private ready = false;
  private latest?: PanelStatePush;

  constructor(
    private readonly post: (message: HostMessage) => unknown,
    private readonly handlers: PanelHandlers,
    private readonly describeError: (error: unknown) => string,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  push(state: PanelStatePush): void {
    this.latest = state;
    if (this.ready) this.post(state);
  }

  /** Handles one raw message; returns false when it was refused as malformed. */
  async receive(message: unknown): Promise<boolean> {
    const request = parsePanelRequest(message);
    if (!request) return false;
    if (request.command === 'ready') {
      this.ready = true;
      this.post({ seq: request.req, res: null });
      if (this.latest) this.post(this.latest);
      return true;
    }
    try {
      await this.dispatch(request);
      this.post({ seq: request.req, res: null });
    } catch (error) {
      this.post({ seq: request.req, err: this.describeError(error) });
    }
    return true;
  }

  private dispatch(request: Exclude<PanelRequest, { command: 'ready' }>): Promise<void> {
    switch (request.command) {
      case 'refresh':
        return this.handlers.refresh(undefined);
      case 'rerun':
        return this.handlers.rerun(undefined);
      case 'signIn':
        return this.handlers.signIn(undefined);
      case 'openLink':
        return this.handlers.openLink(request.args);
      case 'selectRepository':
        return this.handlers.selectRepository(request.args);
      case 'choosePullRequest':
        return this.handlers.choosePullRequest(request.args);
    }
  }
}
