/** What the TLS layer knows about the caller, filled by the server for each request. @internal */
export interface PeerTlsInfo {
  /** True when the client presented a certificate that chains to the server's CA. */
  authorized: boolean;
  /** Why the certificate was not authorized (no certificate, unknown CA…). */
  authorizationError?: string;
  /** Subject CN of the verified client certificate. */
  commonName?: string;
}

/**
 * What the handlers read from one request, whether Connect serves it or the lean unary path
 * (`grpc-unary-server.ts`) does.
 *
 * @internal
 */
export interface MeshRequestScope {
  /** A request header (lower-case name), or `null` when absent. */
  header(name: string): string | null;
  /** What the TLS layer knows about the caller; `undefined` when the server does not check certificates. */
  tls(): PeerTlsInfo | undefined;
  /** Aborted when the caller cancels, the deadline passes or the connection goes away. */
  signal: AbortSignal;
  /** Milliseconds left until the caller's deadline, or `undefined` without one. */
  timeoutMs(): number | undefined;
}
