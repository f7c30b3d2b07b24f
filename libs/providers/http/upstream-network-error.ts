/**
 * The upstream could not be reached or did not answer in time. The message names the origin and
 * the failure, never a header or a key.
 */
export class UpstreamNetworkError extends Error {
  constructor(
    readonly kind: 'timeout' | 'connection_error',
    message: string,
    readonly causeCode?: string,
  ) {
    super(message);
    this.name = 'UpstreamNetworkError';
  }
}
