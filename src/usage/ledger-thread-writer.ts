import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ledgerRowCommitter, type LedgerRowValues, type RowRefusal } from './ledger-row-committer.js';
import type { LedgerWriter } from './ledger-writer.js';

interface WriterThreadSetup {
  driver: string;
  path: string;
  /** How often the WAL is copied back into the database file. */
  checkpointIntervalMs: number;
  /** Commits after which it is copied sooner: each adds at least a page, and SQLite's own default checkpoints every 1,000 pages. */
  checkpointAfterCommits: number;
}

type BatchMessage = [batchId: number, rows: LedgerRowValues[]];
/** The batches one transaction committed, and the rows of theirs SQLite refused. */
type Acknowledgement = [batchIds: number[], refusals: Array<[batchId: number, index: number, reason: string]>];

const closeMessage = 'close';
const noRefusals: RowRefusal[] = [];

/**
 * The writer thread's whole program. It runs from its source text (`eval`), so
 * the same code serves the built package and the tests that run the sources,
 * and takes all it needs from `workerData` and its argument; hence `require`.
 * Every batch that arrives while a transaction runs joins the next one (group
 * commit); checkpoints are PASSIVE, so they never wait for the main thread's readers.
 */
function writerThread(createCommitter: typeof ledgerRowCommitter): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const setup = workerData as WriterThreadSetup;
  const Database = require(setup.driver) as typeof import('better-sqlite3');
  const db = new Database(setup.path);
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  const commitRows = createCommitter(db);
  let queued: BatchMessage[] = [];
  let commitScheduled = false;
  let commitsSinceCheckpoint = 0;
  const checkpoint = () => {
    commitsSinceCheckpoint = 0;
    db.pragma('wal_checkpoint(PASSIVE)');
  };
  const commitQueued = () => {
    commitScheduled = false;
    const batches = queued;
    queued = [];
    if (batches.length === 0) return;
    const refusals = commitRows(batches.length === 1 ? batches[0]![1] : batches.flatMap(([, rows]) => rows));
    const located: Acknowledgement[1] = refusals.map(([index, reason]) => {
      let batch = 0;
      while (index >= batches[batch]![1].length) index -= batches[batch++]![1].length;
      return [batches[batch]![0], index, reason];
    });
    parentPort!.postMessage([batches.map(([batchId]) => batchId), located] satisfies Acknowledgement);
    if (++commitsSinceCheckpoint >= setup.checkpointAfterCommits) checkpoint();
  };
  const timer = setInterval(() => commitsSinceCheckpoint > 0 && checkpoint(), setup.checkpointIntervalMs);
  parentPort!.on('message', (message: BatchMessage | typeof closeMessage) => {
    if (message !== 'close') {
      queued.push(message);
      if (!commitScheduled) {
        commitScheduled = true;
        setImmediate(commitQueued);
      }
      return;
    }
    commitQueued();
    clearInterval(timer);
    db.close();
    parentPort!.close();
  });
}

interface UnacknowledgedBatch {
  rows: LedgerRowValues[];
  resolve: (refusals: RowRefusal[] | Promise<RowRefusal[]>) => void;
}

/**
 * Commits the ledger's rows, and checkpoints its write-ahead log, on one thread
 * of its own, so the event loop neither runs a commit (~20 µs each) nor a
 * checkpoint's fsyncs (1–5 ms). A batch resolves when the transaction holding it
 * has committed. If the thread dies, the rows it had not acknowledged, and all
 * rows after them, are written on the event loop (`fallback`), and `onFailure`
 * is told. A row is never lost that way; it is written twice only if the thread
 * died between its commit and its acknowledgement.
 *
 * Bounds: a batch stays unacknowledged until its commit, and every row in one is
 * awaited by a request in flight, so a stalled thread holds at most the rows of
 * the requests in flight, as a stalled disk would.
 */
export class ThreadLedgerWriter implements LedgerWriter {
  private readonly unacknowledged = new Map<number, UnacknowledgedBatch>();
  private readonly exited: Promise<void>;
  private nextBatchId = 0;
  private closing = false;
  private inThread: LedgerWriter | undefined;
  private readonly worker: Worker;

  constructor(
    path: string,
    private readonly fallback: () => LedgerWriter,
    private readonly onFailure: (error: Error) => void,
  ) {
    const worker = (this.worker = startWriterThread(path));
    // Referenced only while batches wait, so an idle ledger never keeps the process alive.
    worker.unref();
    let failure: Error | undefined;
    worker.on('message', (acknowledgement: Acknowledgement) => this.acknowledge(acknowledgement));
    worker.on('error', (error) => (failure = error));
    // Node delivers the thread's last messages before 'exit': every batch still here then was never acknowledged.
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        this.writeInThreadFromNowOn(failure ?? new Error(`the usage ledger's writer thread exited (code ${code})`));
        resolve();
      }),
    );
  }

  write(rows: LedgerRowValues[]): Promise<RowRefusal[]> {
    if (this.inThread) return this.inThread.write(rows);
    return new Promise((resolve) => {
      if (this.unacknowledged.size === 0) this.worker.ref();
      const batchId = this.nextBatchId++;
      this.unacknowledged.set(batchId, { rows, resolve });
      this.worker.postMessage([batchId, rows] satisfies BatchMessage);
    });
  }

  /** The thread commits what it has, acknowledges it and stops. */
  async close(): Promise<void> {
    if (!this.inThread && !this.closing) {
      this.closing = true;
      this.worker.ref();
      this.worker.postMessage(closeMessage);
    }
    await this.exited;
  }

  private acknowledge([batchIds, refusals]: Acknowledgement): void {
    for (const batchId of batchIds) {
      const batch = this.unacknowledged.get(batchId);
      this.unacknowledged.delete(batchId);
      batch?.resolve(refusals.length === 0 ? noRefusals : refusals.filter(([id]) => id === batchId).map(([, index, reason]) => [index, reason]));
    }
    if (this.unacknowledged.size === 0 && !this.closing) this.worker.unref();
  }

  private writeInThreadFromNowOn(failure: Error): void {
    const inThread = (this.inThread = this.fallback());
    if (!this.closing) this.onFailure(failure);
    for (const batch of this.unacknowledged.values()) batch.resolve(inThread.write(batch.rows));
    this.unacknowledged.clear();
  }
}

function startWriterThread(path: string): Worker {
  const setup: WriterThreadSetup = { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, checkpointIntervalMs: 1_000, checkpointAfterCommits: 1_000 };
  return new Worker(`(${writerThread.toString()})(${ledgerRowCommitter.toString()})`, { eval: true, workerData: setup });
}
