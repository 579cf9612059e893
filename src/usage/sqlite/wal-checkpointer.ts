import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the WAL is copied back into the database file. */
const checkpointIntervalMs = 1_000;

interface CheckpointerSetup {
  driver: string;
  path: string;
  intervalMs: number;
}

/**
 * The checkpointing thread's whole program. It runs from its source text
 * (`eval`), so the same code serves the built package and the tests that run
 * the sources, and takes all it needs from `workerData`; hence `require`.
 */
function checkpointerThread(): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const setup = workerData as CheckpointerSetup;
  const Database = require(setup.driver) as typeof import('better-sqlite3');
  const db = new Database(setup.path);
  // PASSIVE never waits for, or blocks, the writer on the main thread.
  const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), setup.intervalMs);
  parentPort!.once('message', () => {
    clearInterval(timer);
    db.close();
    parentPort!.close();
  });
}

/**
 * Copies the ledger's write-ahead log into the database file from a thread of
 * its own. Left to SQLite, every thousandth page written would make one commit
 * on the event loop run the checkpoint and its fsyncs (1–5 ms each, measured),
 * pausing every request in flight. If the thread fails, `onFailure` is told so
 * that the writer can take checkpointing back.
 */
export class WalCheckpointer {
  private stopping = false;

  private constructor(
    private readonly worker: Worker,
    private readonly exited: Promise<unknown>,
  ) {}

  static start(path: string, onFailure: (error: Error) => void): WalCheckpointer {
    const setup: CheckpointerSetup = { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, intervalMs: checkpointIntervalMs };
    const worker = new Worker(`(${checkpointerThread.toString()})()`, { eval: true, workerData: setup });
    worker.unref();
    const checkpointer = new WalCheckpointer(worker, new Promise((resolve) => worker.once('exit', resolve)));
    let failed = false;
    const fail = (error: Error) => {
      if (failed || checkpointer.stopping) return;
      failed = true;
      onFailure(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the ledger's checkpoint thread exited (code ${code})`)));
    return checkpointer;
  }

  /** Stops the thread (at once if it has already died). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Unreferenced, the thread would let the process exit while close() still waits for it.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
