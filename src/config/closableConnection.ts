// A client Connection whose close() is safe while calls are still out.
//
// The SDK retries a failed call (UNAVAILABLE, ...) from a setTimeout and makes the retried call on
// the gRPC channel when the timer fires. Once the channel is closed, that call throws from inside
// the timer: an uncaught exception. It killed `josh harvest` on Ctrl-C, whose progress watch still
// had a long poll out when its connection closed and the embedded server stopped ("Channel has
// been shut down", exit 1 instead of 130). Here the SDK's own retry interceptor is kept with one
// change: once close() starts, no failed call is retried, and the channel is closed only after the
// last retry already scheduled has fired.
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { ConnectionOptions, GrpcRetryOptions } from '@temporalio/client';

export class ClosableConnection extends Connection {
  /** Filled in by lazyClosable: the retry state of this connection's interceptor. */
  private retries: RetryState = { closing: false, lastRetryAt: 0 };

  /** Connection.lazy with the retry interceptor below (in place of the SDK's default one). */
  static lazyClosable(options: Omit<ConnectionOptions, 'interceptors'>): ClosableConnection {
    const retries: RetryState = { closing: false, lastRetryAt: 0 };
    const conn = this.lazy({ ...options, interceptors: [retryUntilClosed(retries)] }) as ClosableConnection;
    conn.retries = retries;
    return conn;
  }

  override async close(): Promise<void> {
    this.retries.closing = true;
    const wait = this.retries.lastRetryAt - Date.now();
    // A retry's timer fires at lastRetryAt at the latest (the SDK caps a delay at ~6 s); the margin
    // covers a timer that fires late on a busy event loop.
    if (wait > -RETRY_MARGIN_MS) await new Promise((r) => setTimeout(r, Math.max(0, wait) + RETRY_MARGIN_MS));
    await super.close();
  }
}

interface RetryState {
  closing: boolean;
  /** When the latest retry scheduled so far fires (epoch ms). */
  lastRetryAt: number;
}

const RETRY_MARGIN_MS = 50;

function retryUntilClosed(state: RetryState): ReturnType<typeof makeGrpcRetryInterceptor> {
  const sdk = defaultGrpcRetryOptions();
  const options: GrpcRetryOptions = {
    retryableDecider: (attempt, status) => !state.closing && sdk.retryableDecider(attempt, status),
    delayFunction: (attempt, status) => {
      const ms = sdk.delayFunction(attempt, status);
      state.lastRetryAt = Math.max(state.lastRetryAt, Date.now() + ms);
      return ms;
    },
  };
  return makeGrpcRetryInterceptor(options);
}
