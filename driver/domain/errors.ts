// Error types for the domain translation layer.
//
// libvirt reports errors as "<category>: <message>", where the category
// follows from the error code. We keep both parts so callers can show the
// same text libvirt would, and tests can compare it exactly.

export type VirErrorCode = 'config-unsupported' | 'internal' | 'operation-failed' | 'xml' | 'invalid-arg' | 'no-name' | 'no-target' | 'overflow';

const CATEGORY: Record<VirErrorCode, string | null> = {
  'config-unsupported': 'unsupported configuration',
  internal: 'internal error',
  'operation-failed': 'operation failed',
  xml: 'XML error',
  'invalid-arg': 'invalid argument',
  overflow: 'value too large',
  // these codes carry their whole text in the message
  'no-name': null,
  'no-target': null,
};

function formatVirMessage(code: VirErrorCode, detail: string): string {
  const cat = CATEGORY[code];
  return cat ? `${cat}: ${detail}` : detail;
}

/** An error with libvirt's error code; `message` is the full "category: detail" text. */
export class VirError extends Error {
  readonly code: VirErrorCode;
  readonly detail: string;
  constructor(code: VirErrorCode, detail: string) {
    super(formatVirMessage(code, detail));
    this.name = 'VirError';
    this.code = code;
    this.detail = detail;
  }
}

/**
 * Raised while reading domain XML: either the text is not well-formed XML
 * ('syntax', with line/column) or libvirt's parser / post-parse / validation
 * rejects it ('semantic').
 */
export class DomainXmlError extends VirError {
  readonly kind: 'syntax' | 'semantic';
  readonly line?: number;
  readonly column?: number;
  readonly file?: string;
  /** What is wrong, without position or category: the parser's words for a syntax error, else `message`. */
  readonly reason: string;
  constructor(code: VirErrorCode, detail: string, opts: {kind?: 'syntax' | 'semantic'; line?: number; column?: number; file?: string; reason?: string} = {}) {
    super(code, detail);
    this.name = 'DomainXmlError';
    this.kind = opts.kind ?? 'semantic';
    if (opts.line !== undefined) this.line = opts.line;
    if (opts.column !== undefined) this.column = opts.column;
    if (opts.file !== undefined) this.file = opts.file;
    this.reason = opts.reason ?? this.message;
  }

  /**
   * One line, "file:line:column: what": the parser's words for a syntax error,
   * libvirt's message for a semantic one. Parts that are unknown are left out.
   */
  describe(file = this.file): string {
    const where = [file, this.line, this.column].filter((x) => x !== undefined).join(':');
    const what = this.kind === 'syntax' ? this.reason : this.message;
    return where ? `${where}: ${what}` : what;
  }
}

/** Raised while preparing a domain for start (firmware selection). */
export class DomainPrepareError extends VirError {
  constructor(code: VirErrorCode, detail: string) {
    super(code, detail);
    this.name = 'DomainPrepareError';
  }
}

/** Raised while building the bhyve or loader command. */
export class CommandBuildError extends VirError {
  readonly command: 'bhyve' | 'loader';
  constructor(command: 'bhyve' | 'loader', code: VirErrorCode, detail: string) {
    super(code, detail);
    this.name = 'CommandBuildError';
    this.command = command;
  }
}

/** Raised when a native bhyve command line cannot be converted to domain XML. */
export class NativeArgvError extends VirError {
  constructor(code: VirErrorCode, detail: string) {
    super(code, detail);
    this.name = 'NativeArgvError';
  }
}
